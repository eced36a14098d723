/// Replays a recording into a process tree as it stood at one moment: every
/// record up to that moment is applied, none after, so a process that had
/// exited but was not yet reaped is a zombie.
public enum RecordedTreeBuilder {
    /// Re-parenting records carry the parent's exit time but are written when
    /// the move became visible, up to a few seconds later; records this much
    /// past the moment are still read for them.
    public static let lateRecordAllowance: UInt64 = 10_000_000_000

    /// Reads records from `next` (nil: the end) and returns the tree at
    /// `moment`, with the moment as a time (for zombie ages).
    public static func build(at moment: TreeMoment, next: () throws -> Event?) throws -> (tree: ProcessTree, time: Int64) {
        try build(at: moment) { body in
            while var event = try next() {
                if !(try body(&event)) { return }
            }
        }
    }

    /// The same, from `records`, which hands each record to its argument until that returns false.
    public static func build(at moment: TreeMoment,
                             records: ((inout Event) throws -> Bool) throws -> Void) throws -> (tree: ProcessTree, time: Int64) {
        let tree = ProcessTree()
        var cutoff: Int64?
        var lastTime: Int64?
        try records { event in
            if cutoff == nil {
                switch moment {
                case .end: cutoff = .max
                case .time(let time): cutoff = time
                case .afterStart(let offset): cutoff = TimeArithmetic.adding(event.time, offset)
                }
            }
            let limit = cutoff!
            if event.time > limit {
                return TimeArithmetic.elapsed(from: limit, to: event.time) <= lateRecordAllowance
            }
            lastTime = max(lastTime ?? event.time, event.time)
            tree.apply(&event)
            return true
        }
        switch moment {
        case .end: return (tree, lastTime ?? 0)
        case .time, .afterStart: return (tree, cutoff ?? lastTime ?? 0)
        }
    }
}
