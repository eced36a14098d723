/// The tables the report page's script reads names from, made from the
/// Swift schema when the page is built and written into it as JSON (an
/// element the script parses): the script spells none of them, so a new
/// kind, reap reason, unavailable field, record field or duration step
/// reaches the page without an edit to it. One table per concept, each indexed as the data is.
enum ReportSchema {
    /// Record kind names by `EventKind.rawValue` (the records' `k` column).
    static var kinds: [String] { EventKind.allCases.map(\.name) }

    /// Reap reason names by `ReapReason.rawValue`; 0, no reason, is null.
    static var reapReasons: [String?] {
        let highest = ReapReason.allCases.map(\.rawValue).max() ?? 0
        return (0...highest).map { ReapReason(rawValue: $0)?.name }
    }

    /// The names in `unavailable` by bit (UnavailableFields.named).
    static var unavailable: [String] { UnavailableFields.named.map(\.1) }

    /// Signal names by number, 0 (none) null.
    static var signals: [String?] { [nil] + (1...SignalName.highest).map { SignalName.name(of: $0) } }

    /// What each kind of record carries in the records' `x` column, in order, by `EventKind.rawValue`:
    /// `[label, display, written]` per field (ReportRecordField), written 1 when the log writes the
    /// field even without a value (the page then says so).
    static var records: [[(label: String, display: String, written: Bool)]] {
        EventKind.allCases.map { kind in
            ReportRecordField.fields(of: kind).map { ($0.field.label, $0.field.display.rawValue, $0.written) }
        }
    }

    /// The JSON object the page embeds: `{"kinds":…,"reasons":…,"unavailable":…,"signals":…,"records":…,"duration":…}`,
    /// each duration step `[below, major, separator, minor, modulus, width, unit]` (DurationText.steps).
    static func json() -> [UInt8] {
        let out = ByteBuffer(capacity: 4096)
        out.append("{\"kinds\":")
        appendList(kinds, to: out)
        out.append(",\"reasons\":")
        appendList(reapReasons, to: out)
        out.append(",\"unavailable\":")
        appendList(unavailable, to: out)
        out.append(",\"signals\":")
        appendList(signals, to: out)
        out.append(",\"records\":[")
        for (index, fields) in records.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for (position, field) in fields.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "["))
                JSONStringEscaper.appendQuoted(field.label, to: out)
                out.append(UInt8(ascii: ","))
                JSONStringEscaper.appendQuoted(field.display, to: out)
                out.append(field.written ? ",1]" : ",0]")
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
        out.append(",\"duration\":[")
        for (index, step) in DurationText.steps.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            for number in [step.below, step.major] {
                out.appendDecimal(number)
                out.append(UInt8(ascii: ","))
            }
            JSONStringEscaper.appendQuoted(step.separator, to: out)
            for number in [step.minor, step.modulus, UInt64(step.width)] {
                out.append(UInt8(ascii: ","))
                out.appendDecimal(number)
            }
            out.append(UInt8(ascii: ","))
            JSONStringEscaper.appendQuoted(step.unit, to: out)
            out.append(UInt8(ascii: "]"))
        }
        out.append("]}")
        return out.array
    }

    private static func appendList(_ names: [String?], to out: ByteBuffer) {
        out.append(UInt8(ascii: "["))
        for (index, name) in names.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if let name { JSONStringEscaper.appendQuoted(name, to: out) } else { out.append("null") }
        }
        out.append(UInt8(ascii: "]"))
    }
}
