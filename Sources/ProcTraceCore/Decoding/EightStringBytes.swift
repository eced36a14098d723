/// String bytes looked at eight at a time: the bytes of one little-endian
/// machine word, the first byte in the lowest bits.
enum EightStringBytes {
    /// The high bit of each byte a string scanner must stop at: a quote, a
    /// backslash, a control character (below 0x20), or one that is not
    /// plain ASCII (0x7f and up). Only the lowest flag is sure to be right
    /// (a borrow can flag bytes after a true one): use it to find the first.
    @inline(__always)
    static func stops(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5c)
        let deletes = word ^ (ones &* 0x7f)
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let zeroDelete = (deletes &- ones) & ~deletes
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | zeroDelete | control | word) & highs
    }
}
