import CProcTraceSystem
import ProcTraceCore

/// When a recording is asked to stop (a stop signal, or the duration's
/// end, counted from when the recording began), for the waits before and
/// after the recording loop: opening a FIFO nobody reads yet, and a write
/// its reader holds.
final class RecordingStop {
    private let deadline: Int64?
    private let notify: @Sendable (RecordNotice) -> Void
    private var announcedWait = false
    private var stoppingSince: Int64?
    /// What a reader that takes nothing may hold of the stop, to write what was captured.
    static let blockedWriteGrace: Int64 = 2_000_000_000

    init(duration: Double?, notify: @escaping @Sendable (RecordNotice) -> Void) {
        deadline = duration.map { Clock.bootNanoseconds.addingSaturating(seconds: $0) }
        self.notify = notify
    }

    private func stopping(now: Int64) -> Bool {
        pt_signals_received() != 0 || deadline.map { now >= $0 } == true
    }

    /// Whether opening the log goes on waiting for `what` (said once): until recording would end.
    func keepWaiting(_ what: String) -> Bool {
        if !announcedWait {
            announcedWait = true
            notify(.waiting(what))
        }
        return !stopping(now: Clock.bootNanoseconds)
    }

    /// A FIFO's reader that stalls holds a write only until a stop signal or
    /// the duration, and then for a grace to write what was captured; after
    /// that, what cannot be written is counted.
    func keepWritingWhileBlocked() -> Bool {
        let now = Clock.bootNanoseconds
        guard stopping(now: now) else { return true }
        let since = stoppingSince ?? now
        stoppingSince = since
        return now - since < Self.blockedWriteGrace
    }
}

extension Int64 {
    /// A boot-clock time `seconds` later, at most Int64.max (durations are
    /// checked where they are given; this keeps the sum from trapping).
    func addingSaturating(seconds: Double) -> Int64 {
        let nanoseconds = seconds * 1e9
        guard nanoseconds.isFinite, nanoseconds < 9.2e18 else { return .max }
        let (sum, overflow) = addingReportingOverflow(Int64(Swift.max(nanoseconds, 0)))
        return overflow ? .max : sum
    }
}
