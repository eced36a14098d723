/// Decimal digits read eight at a time: the bytes of one little-endian
/// machine word, the first byte in the lowest bits.
enum EightDigits {
    /// How many of the word's bytes are ASCII digits before the first that is not (8 if all are).
    @inline(__always)
    static func leadingDigitCount(_ word: UInt64) -> Int {
        // A digit byte minus "0" is 0...9 and stays below 0x80 when 0x76 is
        // added; any other byte crosses 0x80 in one of the two. A borrow only
        // reaches bytes after the first non-digit, which do not count.
        let offsets = word &- 0x3030_3030_3030_3030
        let nonDigits = (offsets | (offsets &+ 0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080
        return nonDigits == 0 ? 8 : nonDigits.trailingZeroBitCount >> 3
    }

    /// The number the first `count` bytes spell, which must be digits (1...8 of them).
    @inline(__always)
    static func value(_ word: UInt64, count: Int) -> UInt64 {
        // Shifted so the digits are the last bytes and zeros lead, then
        // combined pairwise: 2 digits per byte, 4 per 16 bits, 8 per 32 bits.
        var digits = (word &- 0x3030_3030_3030_3030) &<< UInt64(64 - 8 * count)
        digits = (digits &* (10 << 8 + 1)) >> 8
        digits = ((digits & 0x00ff_00ff_00ff_00ff) &* (100 << 16 + 1)) >> 16
        digits = ((digits & 0x0000_ffff_0000_ffff) &* (10_000 << 32 + 1)) >> 32
        return digits
    }

    /// 10 to the power `exponent` (0...7).
    @inline(__always)
    static func powerOfTen(_ exponent: Int) -> UInt64 { ByteBuffer.powerOfTen(exponent) }
}
