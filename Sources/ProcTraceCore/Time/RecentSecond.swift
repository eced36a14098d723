/// The last second a canonical timestamp named, remembered with the text
/// that named it: a log's lines come many to a second, so the next timestamp
/// usually differs from the last in its fraction only, and parsing it is then
/// comparing three words and reading nine digits (~40 instructions, not ~300).
/// Gives exactly what `RFC3339.parseCanonical` gives.
struct RecentSecond {
    /// "YYYY-MM-DDTHH:MM:SS." as three overlapping words (bytes 0, 8 and 12 on).
    private var words: (UInt64, UInt64, UInt64)?
    /// Nanoseconds since the epoch at the start of that second.
    private var start: Int64 = 0

    mutating func parse(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard text.count == RFC3339.canonicalLength else { return nil }
        let key = (text.loadUnaligned(as: UInt64.self), text.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                   text.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
        if let words, words == key, let fraction = RecentSecond.fraction(text) {
            return start + fraction
        }
        guard let nanoseconds = RFC3339.parseCanonical(text) else { return nil }
        // Kept only where adding any fraction to the second's start cannot overflow (1970 to 2262).
        if let fraction = RecentSecond.fraction(text), nanoseconds >= fraction, nanoseconds <= Int64.max - 1_000_000_000 {
            words = key
            start = nanoseconds - fraction
        }
        return nanoseconds
    }

    /// The nine digits after the dot and the "Z" that ends them.
    private static func fraction(_ text: UnsafeRawBufferPointer) -> Int64? {
        let eight = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: 20, as: UInt64.self))
        let ninth = text[28] &- UInt8(ascii: "0")
        guard EightDigits.leadingDigitCount(eight) == 8, ninth < 10, text[29] == UInt8(ascii: "Z") else { return nil }
        return Int64(EightDigits.value(eight, count: 8) * 10 + UInt64(ninth))
    }
}
