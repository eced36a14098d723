extension RFC3339 {
    /// The length of "YYYY-MM-DDTHH:MM:SS.fffffffffZ".
    public static var canonicalLength: Int { 30 }

    /// Parses exactly the form `append(nanoseconds:to:)` writes,
    /// "YYYY-MM-DDTHH:MM:SS.fffffffffZ", without allocating: the decoder's
    /// fast path. nil for anything else (`parse` takes the general forms).
    public static func parseCanonical(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard text.count == canonicalLength, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"), text[10] == UInt8(ascii: "T"),
            text[13] == UInt8(ascii: ":"), text[16] == UInt8(ascii: ":"), text[19] == UInt8(ascii: "."),
            text[29] == UInt8(ascii: "Z")
        else { return nil }
        var valid = true
        @inline(__always) func digits(_ start: Int, _ count: Int) -> Int {
            var value = 0
            for index in start..<start + count {
                let digit = text[index] &- UInt8(ascii: "0")
                if digit > 9 { valid = false }
                value = value * 10 + Int(digit)
            }
            return value
        }
        let year = digits(0, 4), month = digits(5, 2), day = digits(8, 2)
        let hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2)
        let fraction = digits(20, 9)
        guard valid, isDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        let seconds = days(year: Int64(year), month: month, day: day) * 86400 + Int64(hour * 3600 + minute * 60 + second)
        return nanoseconds(seconds: seconds, fraction: Int64(fraction))
    }
}
