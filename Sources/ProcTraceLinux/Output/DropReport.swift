/// How often an output that loses records says so: the first loss at once,
/// then at most one line an interval with how many were lost since the last
/// line (and, at the stop, those not said yet). The unit turns journald's
/// rate limit off, so this is the only limit on these lines.
struct DropReport {
    static let interval = TroubleReport.interval

    private var lastSaid: Int64?
    private var unsaid: UInt64 = 0

    /// `count` more records were lost; returns how many to say now, if it is time.
    mutating func dropped(_ count: UInt64, now: Int64) -> UInt64? {
        unsaid += count
        guard unsaid > 0, lastSaid.map({ now - $0 >= Self.interval }) ?? true else { return nil }
        return take(now: now)
    }

    /// The losses not said yet, if any (at the stop).
    mutating func remaining(now: Int64) -> UInt64? {
        unsaid > 0 ? take(now: now) : nil
    }

    private mutating func take(now: Int64) -> UInt64 {
        defer { unsaid = 0 }
        lastSaid = now
        return unsaid
    }
}
