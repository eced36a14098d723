/// A set of capabilities as the kernel keeps it: bit N is capability N.
public struct CapabilitySet: Hashable, Sendable, CustomStringConvertible {
    public var bits: UInt64

    public init(bits: UInt64) {
        self.bits = bits
    }

    public init(_ capabilities: [Capability]) {
        bits = capabilities.reduce(0) { $0 | (1 << UInt64($1.number)) }
    }

    public static let empty = CapabilitySet(bits: 0)

    public func contains(_ capability: Capability) -> Bool {
        bits & (1 << UInt64(capability.number)) != 0
    }

    public var capabilities: [Capability] {
        (0..<64).filter { bits & (1 << UInt64($0)) != 0 }.map(Capability.init)
    }

    public func intersection(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(bits: bits & other.bits) }
    public func union(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(bits: bits | other.bits) }
    public func subtracting(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(bits: bits & ~other.bits) }

    /// "CAP_BPF, CAP_PERFMON", or "none".
    public var description: String {
        bits == 0 ? "none" : capabilities.map(\.name).joined(separator: ", ")
    }
}
