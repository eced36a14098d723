import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

/// Writes records to standard output, as JSON Lines or readable lines,
/// through one buffer flushed when it fills or when the caller is about to wait.
final class RecordOutput {
    let json: Bool
    let formatter: HumanFormatter
    private let encoder = JSONLineEncoder()
    private let buffer = ByteBuffer(capacity: 128 * 1024)

    init(json: Bool, formatter: HumanFormatter) {
        self.json = json
        self.formatter = formatter
    }

    func write(_ event: Event) throws {
        if json {
            encoder.append(event, to: buffer)
        } else {
            write(line: formatter.format(event))
        }
        if buffer.count >= 64 * 1024 { try flush() }
    }

    func write(line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0a)
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try FileIO.writeAll(STDOUT_FILENO, buffer.bytes, name: "standard output")
        buffer.removeAll()
    }
}
