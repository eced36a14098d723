#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem

/// `record`'s lines for standard error, written on a thread of their own:
/// a standard error nobody reads (a full pipe, a stuck journal stream, a
/// terminal stopped with Ctrl-S) holds up that thread, never the thread
/// that drains the ring. At most `maximumLines` wait; the lines past that
/// are counted, and the count is said once there is room again.
public final class NoticeWriter: Sendable {
    public static let maximumLines = 1_000

    private struct Waiting {
        var lines: [String] = []
        var dropped = 0
        /// Lines handed to write(2), and of them those it returned from.
        var taken = 0
        var written = 0
    }

    private let fd: Int32
    private let waiting: ConditionLock<Waiting>
    private let threaded: Bool

    /// Starts the writer on `fd` (with no thread to be had, lines are written at once).
    public init(fd: Int32 = STDERR_FILENO) {
        let waiting = ConditionLock(Waiting())
        self.fd = fd
        self.waiting = waiting
        threaded = SystemThread.startDetached { Self.write(waiting, to: fd) }
    }

    /// Queues a line (a newline is added); never waits for the file.
    public func say(_ line: String) {
        guard threaded else { return HostInfo.standardError(line, to: fd) }
        waiting.withLock { waiting in
            if waiting.lines.count < Self.maximumLines {
                waiting.lines.append(line)
            } else {
                waiting.dropped += 1
            }
        }
        waiting.broadcast()
    }

    /// Waits at most `nanoseconds` for every line so far to be written (the
    /// command is about to exit); false when standard error did not take them.
    @discardableResult
    public func finish(within nanoseconds: Int64) -> Bool {
        guard threaded else { return true }
        let goal = waiting.withLock { $0.taken + $0.lines.count + ($0.dropped > 0 ? 1 : 0) }
        return waiting.wait(until: Clock.monotonicNanoseconds + nanoseconds) { $0.written >= goal ? () : nil } != nil
    }

    private static func write(_ waiting: ConditionLock<Waiting>, to fd: Int32) {
        _ = pt_thread_set_name("proctrace-err")
        while true {
            let lines = waiting.wait { waiting -> [String]? in
                guard !waiting.lines.isEmpty || waiting.dropped > 0 else { return nil }
                var lines = waiting.lines
                if waiting.dropped > 0 {
                    lines.append("proctrace: \(waiting.dropped) lines for standard error were dropped: it was not being read "
                                 + "(a full pipe, a stuck journal, a stopped terminal)")
                }
                (waiting.lines, waiting.dropped) = ([], 0)
                waiting.taken += lines.count
                return lines
            }
            for line in lines ?? [] {
                HostInfo.standardError(line, to: fd)
                waiting.withLock { $0.written += 1 }
                waiting.broadcast()
            }
        }
    }
}
