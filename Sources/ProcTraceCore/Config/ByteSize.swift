/// A number of bytes as people write it: 4096, 64K, 16M, 1G (powers of 1024).
/// The one parser for sizes, on the command line and in the configuration file.
public struct ByteSize: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) {
        self.bytes = bytes
    }

    /// nil when `text` is not a size; one too large for 64 bits is UInt64.max
    /// bytes, more than any limit, so it is refused by the limit's own reason.
    public init?(_ text: some StringProtocol) {
        guard let last = text.last else { return nil }
        let multiplier: UInt64
        switch last {
        case "K", "k": multiplier = 1 << 10
        case "M", "m": multiplier = 1 << 20
        case "G", "g": multiplier = 1 << 30
        default: multiplier = 1
        }
        let digits = multiplier == 1 ? text[...] : text.dropLast()
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        let (product, overflow) = (UInt64(digits) ?? .max).multipliedReportingOverflow(by: multiplier)
        bytes = overflow ? .max : product
    }

    public static func kibibytes(_ count: UInt64) -> ByteSize { ByteSize(bytes: count << 10) }
    public static func mebibytes(_ count: UInt64) -> ByteSize { ByteSize(bytes: count << 20) }

    public var isPowerOfTwo: Bool { bytes != 0 && bytes & (bytes - 1) == 0 }

    /// As it would be written: the largest unit that divides it (16M, 4097).
    public var description: String {
        for (shift, unit) in [(30, "G"), (20, "M"), (10, "K")] where bytes != 0 && bytes & (1 << shift - 1) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return "\(bytes)"
    }

    public static func < (a: ByteSize, b: ByteSize) -> Bool { a.bytes < b.bytes }
}
