/// Permissions of a file as an admin writes them: octal, 0640.
public struct FileMode: Hashable, Sendable, CustomStringConvertible {
    public var bits: UInt32

    public init(bits: UInt32) {
        self.bits = bits
    }

    /// nil unless `text` is octal digits.
    public init?(_ text: some StringProtocol) {
        guard let bits = UInt32(text, radix: 8) else { return nil }
        self.bits = bits
    }

    /// Permission bits only (at most 0777: no set-ID or sticky bit for a log).
    public var isPermissions: Bool { bits <= 0o777 }

    public var description: String { "0" + String(bits, radix: 8) }
}
