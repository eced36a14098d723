import Foundation
@testable import ProcTraceCore
import Testing

/// docs/formats.md's field table is SchemaMapping's: each field the mapping
/// places, once, with its places in ECS and OCSF.
@Suite struct FormatsDocumentTests {
    static func row(_ field: LogField) -> String {
        func places(_ format: OutputFormat) -> String {
            let targets = field.targets(in: format)
            let extensionPlace = (format == .ecs ? "proctrace." : "unmapped.") + field.key.description
            var names = targets.map { target -> String in
                switch target.conversion {
                case .same: "`\(target.path)`"
                case .string: "`\(target.path)` (as a string)"
                case .millis: "`\(target.path)` (ms)"
                case .sha256Fingerprint: "`\(target.path)` (fingerprint)"
                }
            }
            if targets.allSatisfy(\.isLossy) { names.append("`\(extensionPlace)`") }
            return names.joined(separator: ", ")
        }
        return "| `\(field.key)` | \(places(.ecs)) | \(places(.ocsf)) |"
    }

    @Test func theFieldTableIsTheMapping() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/formats.md"), encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }.map(String.init)
        // A field the mapping has no place for is in neither table row nor code: the rule above the table says where it goes.
        let expected = LogField.allCases.filter { !$0.targets(in: .ecs).isEmpty || !$0.targets(in: .ocsf).isEmpty }.map(Self.row)
        #expect(rows == expected, "docs/formats.md's table should read:\n\(expected.joined(separator: "\n"))")
    }
}
