import ProcTraceCore

/// One log file opened for reading, and the lines split from it.
final class OpenLogFile {
    let file: LogFileInput
    let lines: LogLineReader

    init(path: String) throws {
        file = try LogFileInput(path: path)
        lines = LogLineReader(input: file, path: path)
    }

    var path: String { lines.path }
}

extension LogFileOrder {
    /// `paths` in the order they were written (each file's first record is read to know).
    public static func sorted(_ paths: [String]) throws -> [String] {
        guard paths.count > 1 else { return paths }
        let keyed = try paths.map { path in
            (path: path, firstTime: try OpenLogFile(path: path).lines.firstRecord()?.time, entry: path)
        }
        return sorted(keyed)
    }
}
