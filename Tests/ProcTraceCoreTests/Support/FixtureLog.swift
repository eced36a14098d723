import Foundation
import ProcTraceCore

/// A recording read whole from memory, line by line, for the tests of what
/// Core makes of records (statistics, the report). Reading files the way
/// users' commands do (order, rotation, damage, following) is LogReader's,
/// tested with the Linux layer.
final class FixtureLog {
    private let lines: [ArraySlice<UInt8>]
    private var index = 0
    private let decoder = JSONLineDecoder()

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
        lines = Array(data).split(separator: 0x0a)
    }

    func next() throws -> Event? {
        guard index < lines.count else { return nil }
        defer { index += 1 }
        return try decoder.decode(Array(lines[index]))
    }
}
