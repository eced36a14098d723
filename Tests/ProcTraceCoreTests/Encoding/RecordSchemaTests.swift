import Foundation
@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// RecordSchema is the one description of the records: the encoder writes
/// it, the decoder expects it, and docs/events.md documents it.
@Suite struct RecordSchemaTests {
    static let documentation: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/events.md"), encoding: .utf8)) ?? ""
    }()

    /// Each record section's kinds (backquoted in its `### ` heading) and the
    /// backquoted names of its `Fields:` line, in order.
    static func documentedFields() -> [(kinds: [String], fields: [String])] {
        var sections: [(kinds: [String], fields: [String])] = []
        var kinds: [String] = []
        for line in documentation.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") {
                kinds = line.hasPrefix("### ") ? backquoted(line.split(separator: "—").first ?? "") : []
            } else if line.hasPrefix("Fields:"), !kinds.isEmpty {
                sections.append((kinds, backquoted(line)))
                kinds = []
            }
        }
        return sections
    }

    static func backquoted(_ text: some StringProtocol) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test func docsListEveryKindsFieldsInTheEncodersOrder() throws {
        let sections = Self.documentedFields()
        var documentedKinds: Set<String> = []
        for section in sections {
            for name in section.kinds {
                let kind = try #require(EventKind(name: name), "docs/events.md has a section for an unknown record \(name)")
                documentedKinds.insert(name)
                let schema = RecordSchema.body(of: kind).map { "\($0.field.key)" }
                #expect(section.fields == schema, "docs/events.md, record \(name): the Fields line differs from RecordSchema")
            }
        }
        #expect(documentedKinds == Set(EventKind.allCases.map(\.name)), "every record kind has a Fields line")
        // The fields every record starts with are documented once, at the top.
        for field in RecordSchema.header {
            #expect(Self.documentation.contains("| `\(field.key)` |"))
        }
    }

    @Test func theEncoderWritesEachRecordsKeysInTheSchemasOrder() throws {
        for event in EventSamples.everyKind() {
            let line = EventSamples.line(event)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let keys = Self.keysInOrder(line)
            let order = RecordSchema.header + RecordSchema.body(of: event.kind).map(\.field)
            #expect(keys.count == object.count, "no key twice")
            // The keys written are the schema's, in its order; the ones left out are only those that may be.
            let written = order.filter { keys.contains("\($0.key)") }.map { "\($0.key)" }
            #expect(keys == written, "\(event.kind.name): \(keys)")
            for entry in RecordSchema.body(of: event.kind) where entry.presence == .required || entry.presence == .always {
                #expect(keys.contains("\(entry.field.key)"), "\(event.kind.name) always has \(entry.field.key)")
            }
        }
    }

    /// Top-level keys of a line the encoder wrote (no spaces, no nested objects).
    static func keysInOrder(_ line: [UInt8]) -> [String] {
        var keys: [String] = []
        var index = 1
        var depth = 0
        while index < line.count {
            let byte = line[index]
            if byte == UInt8(ascii: "\"") {
                var end = index + 1
                while line[end] != UInt8(ascii: "\"") { end += line[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if depth == 0, line[end + 1] == UInt8(ascii: ":"), line[index - 1] != UInt8(ascii: ":") {
                    keys.append(String(decoding: line[(index + 1)..<end], as: UTF8.self))
                }
                index = end + 1
                continue
            }
            if byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "]") { depth -= 1 }
            index += 1
        }
        return keys
    }

    @Test func theFieldsADecoderChecksAreTheOnesWithABit() {
        for kind in EventKind.allCases {
            for entry in RecordSchema.body(of: kind) where entry.presence == .required {
                #expect(entry.field.bit != 0, "\(entry.field.key) is required, so it needs a raw value below 64")
            }
        }
        for field in RecordSchema.header + LogField.credentialFields {
            #expect(field.bit != 0)
        }
    }

    @Test func eventNamesAreLookedUpByTheirOwnSpellingWithoutCollisions() {
        let schema = RecordSchema.compiled
        #expect(!schema.namesCollide)
        for kind in EventKind.allCases {
            let name = Array(kind.name.utf8)
            #expect(name.withUnsafeBytes { schema.kind(named: $0) } == kind)
            for cut in [name.dropLast(), name + Array("s".utf8), Array(name.reversed())] where Array(cut) != name {
                #expect(Array(cut).withUnsafeBytes { schema.kind(named: $0) } != kind)
            }
        }
        #expect(Array("bogus".utf8).withUnsafeBytes { schema.kind(named: $0) } == nil)
    }

    @Test func aTruncatedFilenameSaysSoAndReadsBack() throws {
        var exec = LifecycleEvents.exec(42, ppid: 1, start: 7, argv: ["/x"], at: EventSamples.baseTime)
        exec.filename = Array(String(repeating: "a", count: 4095).utf8)
        exec.filenameTruncated = true
        let line = String(decoding: EventSamples.line(exec), as: UTF8.self)
        #expect(line.contains(#""filename_truncated":true,"argv""#))
        #expect(try JSONLineDecoder().decode(line).filenameTruncated)

        exec.filenameTruncated = false
        let whole = String(decoding: EventSamples.line(exec), as: UTF8.self)
        #expect(!whole.contains("filename_truncated"))
        #expect(try !JSONLineDecoder().decode(whole).filenameTruncated)
    }
}
