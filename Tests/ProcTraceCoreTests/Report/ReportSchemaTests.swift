@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// The report page reads the schema's names from the tables the page is built with, never
/// from tables of its own: each table equals the Swift enum it comes from, by index, and
/// the script spells none of them.
@Suite struct ReportSchemaTests {
    /// The schema element of a page built for an empty report (the data's compression is not the point here).
    private func embeddedSchema() throws -> String {
        var events = [LifecycleEvents.exists(1, ppid: 0, start: 1, comm: "init", at: 1_000_000_000)][...]
        let data = try RecordingReport.build(ReportSelection()) { events.popFirst() }
        let page = String(decoding: try ReportPage.html(data, gzip: { ($0.flatMap { Array($0) }, $1.flatMap { Array($0) }) }, nonce: "n").array, as: UTF8.self)
        let open = #"<script type="application/json" id="report-schema">"#
        let start = try #require(page.range(of: open), "the page embeds no schema").upperBound
        let end = try #require(page[start...].range(of: "</script>")).lowerBound
        return String(page[start..<end])
    }

    private func quotedList(_ names: [String?]) -> String {
        "[" + names.map { $0.map { "\"\($0)\"" } ?? "null" }.joined(separator: ",") + "]"
    }

    @Test func thePageTablesAreTheEnums() throws {
        let schema = try embeddedSchema()
        let kinds = (0...EventKind.allCases.map(\.rawValue).max()!).map { EventKind(rawValue: $0)?.name }
        #expect(schema.contains("\"kinds\":" + quotedList(kinds)), "\(schema)")
        #expect(kinds.count == EventKind.allCases.count && !kinds.contains(nil))
        let reasons = (0...ReapReason.allCases.map(\.rawValue).max()!).map { ReapReason(rawValue: $0)?.name }
        #expect(schema.contains("\"reasons\":" + quotedList(reasons)))
        // By bit, as the encoder sets them.
        let bits = (0..<32).compactMap { bit in UnavailableFields.named.first { $0.0.rawValue == 1 << bit }?.1 }
        #expect(bits.count == UnavailableFields.named.count)
        #expect(schema.contains("\"unavailable\":" + quotedList(bits)))
        // Every signal Linux has, by number, named as the text output names it.
        #expect(schema.contains("\"signals\":" + quotedList([nil] + (1...64).map { SignalName.name(of: $0) })))
        #expect(schema.contains(#""SIGWINCH","SIGIO""#) && schema.contains(#""SIGRTMIN+30""#))
        #expect(!schema.contains("<"), "nothing in the schema element can end it")
    }

    @Test func theDurationStepsAreDurationText() throws {
        let schema = try embeddedSchema()
        let steps = DurationText.steps.map { step in
            "[\(step.below),\(step.major),\"\(step.separator)\",\(step.minor),\(step.modulus),\(step.width),\"\(step.unit)\"]"
        }
        #expect(schema.contains("\"duration\":[" + steps.joined(separator: ",") + "]"))
        #expect(DurationText.format(nanoseconds: 45_000) == "45µs")
        #expect(DurationText.format(nanoseconds: 12_345_678) == "12.3ms")
        #expect(DurationText.format(nanoseconds: 2_500_000_000) == "2.500s")
        #expect(DurationText.format(nanoseconds: 187_000_000_000) == "3m07s")
        #expect(DurationText.format(nanoseconds: 7_500_000_000_000) == "2h05m")
    }

    /// No table of names in the script: no two neighbours of a table written as a list in it.
    @Test func theScriptSpellsNoTable() {
        let script = String(decoding: ReportPage.script, as: UTF8.self)
        let tables: [[String]] = [
            EventKind.allCases.map(\.name), ReapReason.allCases.map(\.name), UnavailableFields.named.map(\.1),
            (1...64).map { SignalName.name(of: $0) },
        ]
        for table in tables {
            for (one, next) in zip(table, table.dropFirst()) {
                #expect(!script.contains("\"\(one)\", \"\(next)\"") && !script.contains("\"\(one)\",\"\(next)\""),
                        "report.js spells \(one), \(next): read it from the schema (ReportSchema)")
            }
        }
        for signal in 1...64 { #expect(!script.contains("\(signal): \"\(SignalName.name(of: signal))\"")) }
        for unit in Set(DurationText.steps.map(\.unit)) { #expect(!script.contains("\"\(unit)\"")) }
    }

    /// The records' details name no field of a kind and count no values: what each kind carries, and
    /// in what order, is the schema's (`records`), so the script has no table of arities either.
    @Test func theScriptSpellsNoRecordField() throws {
        let script = String(decoding: ReportPage.script, as: UTF8.self)
        let start = try #require(script.range(of: "function recordFields(")).lowerBound
        let end = try #require(script[start...].range(of: "\n}\n")).upperBound
        let details = script[start..<end]
        // Only the columns every record has, which the page decodes by name (docs/report.md).
        for field in LogField.allCases where ![.seq, .time, .ppid, .comm].contains(field) {
            #expect(!details.contains("\"\(field.key)\""), "recordFields spells \(field.key): read it from the schema (ReportSchema.records)")
        }
        #expect(!script.contains("ARITY"), "report.js counts each kind's values itself")
    }
}
