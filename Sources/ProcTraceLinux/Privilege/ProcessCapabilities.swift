/// A process's capability sets, read from the Cap* lines of /proc/PID/status
/// (what `grep Cap /proc/PID/status` shows an admin).
public struct ProcessCapabilities: Equatable, Sendable {
    public var inheritable: CapabilitySet
    public var permitted: CapabilitySet
    public var effective: CapabilitySet
    public var bounding: CapabilitySet
    public var ambient: CapabilitySet

    /// Parses the text of a status file; nil when a Cap line is missing or malformed.
    public init?(statusText text: String) {
        var values: [Substring: UInt64] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("Cap") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let hex = parts[1].drop { $0 == " " || $0 == "\t" }
            guard let value = UInt64(hex, radix: 16) else { return nil }
            values[parts[0]] = value
        }
        guard let inheritable = values["CapInh"], let permitted = values["CapPrm"], let effective = values["CapEff"],
              let bounding = values["CapBnd"]
        else { return nil }
        self.inheritable = CapabilitySet(bits: inheritable)
        self.permitted = CapabilitySet(bits: permitted)
        self.effective = CapabilitySet(bits: effective)
        self.bounding = CapabilitySet(bits: bounding)
        ambient = CapabilitySet(bits: values["CapAmb"] ?? 0)
    }

    /// The sets of process `pid` ("self" by default); nil when it cannot be read.
    public static func read(pid: String = "self", procRoot: String = "/proc") -> ProcessCapabilities? {
        guard let bytes = FileIO.readSmallFile("\(procRoot)/\(pid)/status") else { return nil }
        return ProcessCapabilities(statusText: String(decoding: bytes, as: UTF8.self))
    }
}
