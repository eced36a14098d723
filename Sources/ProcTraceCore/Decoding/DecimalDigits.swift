/// Unsigned decimal text as the kernel and the log write it: digits only, no
/// sign, no spaces, at most 10 digits.
public enum DecimalDigits {
    /// The value of `digits`, or nil when it is empty, holds anything but
    /// digits, or does not fit in 32 bits.
    public static func uint32(_ digits: UnsafeRawBufferPointer) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return UInt32(exactly: value)
    }
}
