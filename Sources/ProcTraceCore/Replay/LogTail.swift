/// `proctrace tail`: a log's records through the tree and the filter, out as
/// lines; with `last`, only the last N that match; with `follow`, on as the
/// log grows.
///
/// Memory is bounded whatever N is: the last lines are kept as their output
/// bytes up to `maximumHeldBytes`; past that the matching records are only
/// counted and the files are read a second time, printing the last N (files
/// that cannot be read twice, like pipes, then fail with a reason).
///
/// Whatever was read before a line that cannot be read is written out
/// before the error is thrown.
public final class LogTail<Log: RecordLog> {
    /// A fresh reader and replayer over the same input.
    public typealias Open = () throws -> (reader: Log, replayer: LogReplayer)

    private let open: Open
    private let last: Int?
    private let follow: Bool
    private let render: (Event, ByteBuffer) -> Void
    private let write: (UnsafeRawBufferPointer) throws -> Void
    private let pause: () -> Void
    public var maximumHeldBytes = 64 << 20
    private let out = ByteBuffer(capacity: 128 * 1024)

    /// `render` appends one record's line (with its newline); `write` sends
    /// bytes out; `pause` waits before the followed file is looked at again.
    public init(last: Int?, follow: Bool, open: @escaping Open, render: @escaping (Event, ByteBuffer) -> Void,
                write: @escaping (UnsafeRawBufferPointer) throws -> Void, pause: @escaping () -> Void) {
        precondition(last.map { $0 >= 0 } ?? true)
        self.last = last
        self.follow = follow
        self.open = open
        self.render = render
        self.write = write
        self.pause = pause
    }

    /// Runs until the end of the input (or for ever, following); returns the reader, for its skipped-line count.
    @discardableResult
    public func run() throws -> Log {
        var source = try open()
        if let last { source = try printLast(last, source) } else { try stream(source, skipping: 0) }
        while follow {
            try flush()
            pause()
            _ = try source.reader.checkFollowedFile()
            try stream(source, skipping: 0)
        }
        try flush()
        return source.reader
    }

    private func printLast(_ last: Int, _ source: (reader: Log, replayer: LogReplayer))
        throws -> (reader: Log, replayer: LogReplayer) {
        var recent = RecentLines(capacity: last, maximumBytes: maximumHeldBytes)
        let line = ByteBuffer(capacity: 4096)
        var matched = 0
        var failure: Error?
        do {
            while var event = try source.reader.next() {
                guard source.replayer.process(&event) else { continue }
                matched += 1
                guard !recent.overflowed else { continue }
                line.removeAll()
                render(event, line)
                recent.append(line.bytes)
            }
        } catch {
            failure = error
        }
        guard recent.overflowed else {
            try recent.withBytes(write)
            if let failure { throw failure }
            return source
        }
        guard source.reader.canBeReadAgain else {
            throw LogReadError(path: source.reader.paths.first ?? "", reason:
                "the last \(last) records take more than \(maximumHeldBytes >> 20) MiB to hold, and this input "
                + "cannot be read twice (a pipe); name the log file itself, or ask for fewer lines")
        }
        // Read again: the same records match in the same order; print the last `last` of them.
        let again = try open()
        try stream(again, skipping: max(0, matched - last))
        if let failure { throw failure }
        return again
    }

    /// Writes every matching record after the first `skipping`, flushing what it has before rethrowing an error.
    private func stream(_ source: (reader: Log, replayer: LogReplayer), skipping: Int) throws {
        var skipping = skipping
        do {
            while var event = try source.reader.next() {
                guard source.replayer.process(&event) else { continue }
                if skipping > 0 {
                    skipping -= 1
                    continue
                }
                render(event, out)
                if out.count >= 64 * 1024 { try flush() }
            }
        } catch {
            try flush()
            throw error
        }
    }

    private func flush() throws {
        guard !out.isEmpty else { return }
        try write(out.bytes)
        out.removeAll()
    }
}
