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
        FileIO.enlargePipe(STDOUT_FILENO, to: RecordOutput.pipeBytes)
    }

    /// The default most users may set (/proc/sys/fs/pipe-max-size).
    static let pipeBytes: Int32 = 1 << 20

    func write(_ event: Event) throws {
        render(event, to: buffer)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Writes `line` (a record's JSON line, without its newline) as it is:
    /// for a line read that encoding its record would give again.
    func writeLine(_ line: UnsafeRawBufferPointer) throws {
        buffer.append(line)
        buffer.append(0x0a)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Appends the record's line, with its newline.
    func render(_ event: Event, to out: ByteBuffer) {
        if json {
            encoder.append(event, to: out)
        } else {
            out.append(contentsOf: formatter.format(event).utf8)
            out.append(0x0a)
        }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try RecordOutput.writeStandardOutput(buffer.bytes)
        buffer.removeAll()
    }

    static func writeStandardOutput(_ bytes: UnsafeRawBufferPointer) throws {
        try FileIO.writeAll(STDOUT_FILENO, bytes, name: "standard output")
    }
}
