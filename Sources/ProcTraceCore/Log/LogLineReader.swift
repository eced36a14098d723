import CProcTraceStandardC

/// Splits one input into lines, reading it in large chunks through a buffer
/// that is reused, so memory stays at one chunk (or the longest line) however
/// large the file. Used from one thread at a time: its per-line state skips
/// the run-time exclusivity checks.
public final class LogLineReader {
    public static let chunkSize = 1 << 20
    /// argv can be 2 MiB and escaping makes it at most 6 times longer.
    public static let maximumLineLength = 64 << 20

    /// The input's name, for FILE:LINE in errors.
    public let path: String
    private let input: any LogByteInput
    @exclusivity(unchecked) private var buffer: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    /// While looking ahead: where the lines handed out since began, kept in the buffer.
    @exclusivity(unchecked) private var mark: Int?
    /// Lines handed out so far: the number of the last one.
    @exclusivity(unchecked) public private(set) var lineNumber = 0

    public init(input: any LogByteInput, path: String) {
        self.input = input
        self.path = path
        buffer = .allocate(byteCount: LogLineReader.chunkSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// Bytes after the last newline: a line still being written, or cut short.
    public var hasPartialLine: Bool { end > start }

    /// No line handed out yet, and what is buffered begins with gzip's magic bytes.
    public var beginsWithGzipMagic: Bool {
        lineNumber == 0 && end - start >= 2 && buffer[start] == 0x1f && buffer[start + 1] == 0x8b
    }

    /// The next complete line without its newline, valid until the next call;
    /// nil when the file has no more complete lines (yet).
    public func nextLine() throws -> UnsafeRawBufferPointer? {
        var scanned = start
        while true {
            if scanned < end, let newline = proctrace_find_byte(buffer.baseAddress! + scanned, 0x0a, end - scanned) {
                let newlineIndex = UnsafeRawPointer(buffer.baseAddress!).distance(to: newline)
                let line = UnsafeRawBufferPointer(rebasing: buffer[start..<newlineIndex])
                start = newlineIndex + 1
                lineNumber += 1
                return line
            }
            scanned = end
            let kept = mark ?? start
            if kept > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + kept, byteCount: end - kept)
                scanned -= kept
                end -= kept
                start -= kept
                if mark != nil { mark = 0 }
            }
            if end == buffer.count {
                // Looking ahead stops at one buffer: the lines it saw stay to be read.
                if mark != nil { return nil }
                try grow()
            }
            let count = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
            if count == 0 { return nil }
            end += count
        }
    }

    /// Calls `body` with the lines ahead (at most one buffer's worth) until it
    /// returns false, then puts them back: the next `nextLine()` returns the
    /// first of them again. Reads a pipe only once.
    public func lookAhead(_ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        let savedLineNumber = lineNumber
        mark = start
        defer {
            start = mark!
            mark = nil
            lineNumber = savedLineNumber
        }
        while let line = try nextLine(), try body(line) {}
    }

    /// Forgets buffered bytes and line numbers (the file was truncated and is read again from its start).
    public func restart() {
        input.rewind()
        start = 0
        end = 0
        lineNumber = 0
    }

    private func grow() throws {
        guard buffer.count < LogLineReader.maximumLineLength else {
            throw LogReadError(path: path, line: lineNumber + 1,
                               reason: "line longer than \(LogLineReader.maximumLineLength >> 20) MiB; not a proctrace log?",
                               isSkippable: false)
        }
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
        larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
        buffer.deallocate()
        buffer = larger
    }
}
