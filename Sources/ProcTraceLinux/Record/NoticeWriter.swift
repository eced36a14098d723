#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import Synchronization

/// `record`'s lines for standard error, written on a thread of their own:
/// a standard error nobody reads (a full pipe, a stuck journal stream, a
/// terminal stopped with Ctrl-S) holds up that thread, never the thread
/// that drains the ring. At most `maximumLines` wait; the lines past that
/// are counted, and the count is said once there is room again. The thread
/// starts after capabilities are dropped (a thread keeps those it was made
/// with); lines said before wait for it.
public final class NoticeWriter: Sendable {
    public static let maximumLines = 1_000

    private struct Waiting {
        var lines: [String] = []
        var dropped = 0
        /// Lines handed to write(2), and of them those it returned from.
        var taken = 0
        var written = 0
    }

    private enum Writer: Equatable { case notStarted, thread, none }

    private let fd: Int32
    private let waiting: ConditionLock<Waiting>
    private let writer = Mutex(Writer.notStarted)

    private var current: Writer { writer.withLock { $0 } }

    public init(fd: Int32 = STDERR_FILENO) {
        self.fd = fd
        waiting = ConditionLock(Waiting())
    }

    /// Starts the writing thread (once; with none to be had, lines are written at once from then on).
    public func start() {
        writer.withLock { writer in
            guard writer == .notStarted else { return }
            let (waiting, fd) = (self.waiting, self.fd)
            writer = SystemThread.startDetached { Self.write(waiting, to: fd) } ? .thread : .none
        }
        if current == .none {
            for line in waiting.withLock({ Self.takeLines(&$0) }) { HostInfo.standardError(line, to: fd) }
        }
    }

    /// Queues a line (a newline is added); never waits for the file.
    public func say(_ line: String) {
        guard current != .none else { return HostInfo.standardError(line, to: fd) }
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
        start()
        guard current == .thread else { return true }
        let goal = waiting.withLock { $0.taken + $0.lines.count + ($0.dropped > 0 ? 1 : 0) }
        return waiting.wait(until: Clock.monotonicNanoseconds + nanoseconds) { $0.written >= goal ? () : nil } != nil
    }

    /// What waits, the count of the lines dropped last, and counts it taken.
    private static func takeLines(_ waiting: inout sending Waiting) -> [String] {
        var lines = waiting.lines
        if waiting.dropped > 0 {
            lines.append("proctrace: \(waiting.dropped) lines for standard error were dropped: it was not being read "
                         + "(a full pipe, a stuck journal, a stopped terminal)")
        }
        (waiting.lines, waiting.dropped) = ([], 0)
        waiting.taken += lines.count
        return lines
    }

    private static func write(_ waiting: ConditionLock<Waiting>, to fd: Int32) {
        _ = pt_thread_set_name("proctrace-err")
        while true {
            let lines = waiting.wait { waiting -> [String]? in
                waiting.lines.isEmpty && waiting.dropped == 0 ? nil : takeLines(&waiting)
            }
            for line in lines ?? [] {
                HostInfo.standardError(line, to: fd)
                waiting.withLock { $0.written += 1 }
                waiting.broadcast()
            }
        }
    }
}
