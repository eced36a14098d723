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

    /// Why a text is not a time `parse` accepts.
    public enum ParseFailure: Error, Equatable, Sendable {
        /// Not of the form YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM).
        case malformed
        /// Of that form, but no such day (2026-02-30) or time (25:00).
        case noSuchDate
        /// A real time, but outside what nanoseconds since 1970 in 64 bits can hold.
        case outOfRange

        /// Why, for an error message that quotes the text before it.
        public var reason: String {
            switch self {
            case .malformed:
                return "is not an RFC 3339 time like 2026-11-23T20:12:46Z"
            case .noSuchDate:
                return "is not a real date and time (no such day of that month, or an hour or minute out of range)"
            case .outOfRange:
                return "is outside the times proctrace can represent "
                    + "(\(RFC3339.format(nanoseconds: .min)) to \(RFC3339.format(nanoseconds: .max)))"
            }
        }
    }

    /// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" (also 't'/'z' and a space
    /// for 'T'). Returns nanoseconds since the epoch, or nil if malformed, not a
    /// real date, or out of range (`check` says which).
    public static func parse<Bytes: Collection>(_ text: Bytes) -> Int64? where Bytes.Element == UInt8 {
        try? check(text).get()
    }

    public static func parse(_ text: String) -> Int64? {
        parse(Array(text.utf8))
    }

    /// `parse`, saying why a text is refused.
    public static func check(_ text: String) -> Result<Int64, ParseFailure> {
        check(Array(text.utf8))
    }

    public static func check<Bytes: Collection>(_ text: Bytes) -> Result<Int64, ParseFailure> where Bytes.Element == UInt8 {
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
        else { return .failure(.malformed) }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ")
        else { return .failure(.malformed) }
        i += 1
        guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), expect(UInt8(ascii: ":")),
            let second = number(2)
        else { return .failure(.malformed) }
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
            guard digits > 0 else { return .failure(.malformed) }
            for _ in digits..<max(digits, 9) { fraction *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard i < b.count else { return .failure(.malformed) }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign: Int64 = b[i] == UInt8(ascii: "+") ? 1 : -1
            i += 1
            guard let offsetHours = number(2), expect(UInt8(ascii: ":")), let offsetMinutes = number(2) else {
                return .failure(.malformed)
            }
            guard offsetHours < 24, offsetMinutes < 60 else { return .failure(.noSuchDate) }
            offsetSeconds = sign * Int64(offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return .failure(.malformed)
        }
        guard i == b.count else { return .failure(.malformed) }
        guard isDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 61 else {
            return .failure(.noSuchDate)
        }
        let dayCount = days(year: Int64(year), month: month, day: day)
        let seconds = dayCount * 86400 + Int64(hour * 3600 + minute * 60 + second) - offsetSeconds
        guard let time = nanoseconds(seconds: seconds, fraction: fraction) else { return .failure(.outOfRange) }
        return .success(time)
    }

    /// Whether the day exists in the proleptic Gregorian calendar (no 30 February).
    @inline(__always)
    static func isDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        if day <= 28 { return true }
        switch month {
        case 2: return day <= (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28)
        case 4, 6, 9, 11: return day <= 30
        default: return day <= 31
        }
    }

    /// seconds × 10⁹ + fraction, or nil past Int64's range (after the year 2262).
    static func nanoseconds(seconds: Int64, fraction: Int64) -> Int64? {
        // Before 1970 the fraction is borrowed from the next second, so the earliest time (Int64.min) fits.
        let (seconds, fraction) = seconds < 0 && fraction > 0 ? (seconds + 1, fraction - 1_000_000_000) : (seconds, fraction)
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (total, carry) = scaled.addingReportingOverflow(fraction)
        return carry ? nil : total
    }
}
