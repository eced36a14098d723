/// RFC 3339 UTC timestamps with nanoseconds ("2026-11-23T20:12:46.123456789Z"),
/// formatted and parsed without Foundation.
public enum RFC3339 {
    /// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's civil_from_days).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// (year, month, day) → days since 1970-01-01.
    static func days(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Appends the timestamp (UTC, 9 fraction digits) for `nanoseconds` since the epoch.
    public static func append(nanoseconds: Int64, to out: ByteBuffer) {
        var seconds = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        if fraction < 0 {
            fraction += 1_000_000_000
            seconds -= 1
        }
        var days = seconds / 86400
        var secondOfDay = seconds % 86400
        if secondOfDay < 0 {
            secondOfDay += 86400
            days -= 1
        }
        let date = civil(fromDays: days)
        out.reserve(30)
        out.appendPadded(Int(date.year), width: 4)
        out.append(UInt8(ascii: "-"))
        out.appendPadded(date.month, width: 2)
        out.append(UInt8(ascii: "-"))
        out.appendPadded(date.day, width: 2)
        out.append(UInt8(ascii: "T"))
        out.appendPadded(Int(secondOfDay / 3600), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendPadded(Int(secondOfDay / 60 % 60), width: 2)
        out.append(UInt8(ascii: ":"))
        out.appendPadded(Int(secondOfDay % 60), width: 2)
        out.append(UInt8(ascii: "."))
        out.appendPadded(Int(fraction), width: 9)
        out.append(UInt8(ascii: "Z"))
    }

    public static func format(nanoseconds: Int64) -> String {
        let buffer = ByteBuffer(capacity: 64)
        append(nanoseconds: nanoseconds, to: buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    /// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" (also 't'/'z' and a space
    /// for 'T'). Returns nanoseconds since the epoch, or nil if malformed.
    public static func parse<Bytes: Collection>(_ text: Bytes) -> Int64? where Bytes.Element == UInt8 {
        let b = Array(text)
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var value = 0
            for _ in 0..<width {
                let c = b[i]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
                i += 1
            }
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
            let day = number(2)
        else { return nil }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ")
        else { return nil }
        i += 1
        guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), expect(UInt8(ascii: ":")),
            let second = number(2)
        else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var fraction: Int64 = 0
        if i < b.count && b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count && b[i] >= 48 && b[i] <= 57 {
                if digits < 9 {
                    fraction = fraction * 10 + Int64(b[i] - 48)
                }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "+") ? 1 : -1
            i += 1
            guard let offsetHours = number(2), expect(UInt8(ascii: ":")), let offsetMinutes = number(2) else {
                return nil
            }
            offsetSeconds = sign * Int64(offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let dayCount = days(year: Int64(year), month: month, day: day)
        let seconds = dayCount * 86400 + Int64(hour * 3600 + minute * 60 + second) - offsetSeconds
        return nanoseconds(seconds: seconds, fraction: fraction)
    }

    /// seconds × 10⁹ + fraction, or nil past Int64's range (after the year 2262).
    static func nanoseconds(seconds: Int64, fraction: Int64) -> Int64? {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, carry) = scaled.addingReportingOverflow(fraction)
        return carry ? nil : total
    }

    public static func parse(_ text: String) -> Int64? {
        parse(Array(text.utf8))
    }
}
