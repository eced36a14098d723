/// Turns "a process exited with children" into `reparent` records naming the
/// parent the kernel really chose (the nearest `PR_SET_CHILD_SUBREAPER`
/// ancestor, else the namespace's init), asked of the kernel rather than
/// guessed from the tree.
///
/// The exit tracepoint fires before the kernel moves the children, so a move
/// may not be visible yet when the exit record is read; and records are read
/// in batches, so a child may already be gone from /proc. Such children stay
/// pending: they are asked about again after each batch, and the kernel's
/// own next record about the child (its exit carries its real ppid, a wait
/// reap its reaper) settles the move, until its reap or `patience` (in event
/// time) ends the wait. Nothing is ever guessed: without an answer no record
/// is made.
///
/// Records of one process stay in causal order: a move settled by the
/// child's own record is written before that record (`moves(before:)`), and
/// a move is never older than a record of the child that still named the
/// former parent (the child exited before the kernel moved it).
///
/// It only reads the tree: the moves it finds are handed back for the
/// Recorder to apply and write like any other record.
public final class ReparentTracker {
    private struct PendingMove {
        var child: ProcessID
        var formerParent: Int32
        /// When the move happened: the former parent's exit, or the latest
        /// record of the child that still named the former parent.
        var time: Int64
    }

    private let lookup: ParentLookup
    private let patience: Int64
    /// By child PID.
    private var pending: [Int32: PendingMove] = [:]

    /// - Parameter patience: how long (ns, event time) to keep asking about a child whose move is not visible.
    public init(lookup: ParentLookup, patience: Int64 = 5_000_000_000) {
        self.lookup = lookup
        self.patience = patience
    }

    /// Children whose move is not visible yet.
    public var pendingCount: Int { pending.count }

    /// Whether `moves(before:)` can find anything: a child waits for its
    /// move. Checked per record, inline.
    @inline(__always)
    public var hasPending: Bool { !pending.isEmpty }

    /// Whether `moves(after:)` can find anything for this record: a process
    /// exited. Checked per record, inline.
    @inline(__always)
    public func isInterested(in event: Event) -> Bool {
        event.kind == .exit
    }

    /// Call right before tree.apply(&event) and before the record is
    /// written. Appends the `reparent` record (not yet applied) that the
    /// record settles and that must precede it: a record of a pending child
    /// naming a new parent.
    public func moves(before event: Event, into moves: inout [Event]) {
        guard !pending.isEmpty, event.kind.isProcessRecord, event.kind != .reparent else { return }
        settlePending(by: event, into: &moves)
    }

    /// Call right before tree.apply(&event) of an exit, after `moves(before:)`.
    /// An exit naming another parent than the tree's, with no move pending,
    /// was moved before its former parent's exit reached the log: the
    /// connector sends a parent's exit only after moving its children, and a
    /// child's own exit can come first (netlink). Appends its move (not yet
    /// applied), timed at the exit, the latest it can have been.
    public func unreportedMove(before event: Event, in tree: ProcessTree, into moves: inout [Event]) {
        guard event.ppid != 0, let child = tree.node(event.processID), child.ppid != 0, child.ppid != event.ppid
        else { return }
        moves.append(record(PendingMove(child: child.processID, formerParent: child.ppid, time: event.time),
                            newParent: event.ppid))
    }

    /// Call right after tree.apply(&event). Appends the `reparent` records
    /// (not yet applied) of children the kernel moved; children whose move
    /// is not yet visible are kept pending.
    public func moves(after event: Event, in tree: ProcessTree, into moves: inout [Event]) {
        guard event.kind == .exit, let exited = tree.node(event.processID), exited.firstChild != nil else { return }
        for child in exited.children {
            // A child that exited after its parent's exit record was moved after its own exit.
            let time = max(event.time, child.exitTime ?? event.time)
            let move = PendingMove(child: child.processID, formerParent: exited.pid, time: time)
            switch lookup.parent(of: move.child) {
            case .parent(let ppid) where ppid != move.formerParent:
                moves.append(record(move, newParent: ppid))
            case .parent, .unknown, .gone:
                pending[child.pid] = move
            }
        }
    }

    /// Call once per batch: re-checks pending children and appends the
    /// `reparent` records (not yet applied) of those that moved.
    public func retryPending(in tree: ProcessTree, now: Int64, into moves: inout [Event]) {
        guard !pending.isEmpty else { return }
        for move in Array(pending.values) {
            guard let child = tree.node(move.child) else {
                pending[move.child.pid] = nil
                continue
            }
            if child.ppid != move.formerParent {
                pending[move.child.pid] = nil
                moves.append(record(move, newParent: child.ppid))
                continue
            }
            if case .parent(let ppid) = lookup.parent(of: move.child), ppid != move.formerParent {
                pending[move.child.pid] = nil
                moves.append(record(move, newParent: ppid))
            } else if now - move.time > patience {
                pending[move.child.pid] = nil
            }
        }
    }

    /// A kernel record about a pending child settles it: its ppid (a wait
    /// reap's reaper, the parent whose wait released it) is the kernel's own
    /// word on the new parent, and a reap or another lifetime at that PID
    /// means there is nothing left to move. A record still naming the former
    /// parent happened before the move. (Other reaps' reapers are not taken:
    /// sched hooks read a `freed` one after an RCU delay, when that parent
    /// may be gone.)
    private func settlePending(by event: Event, into moves: inout [Event]) {
        guard var move = pending[event.pid] else { return }
        let newParent = event.kind != .reap ? event.ppid : event.reapReason == .wait ? event.reaper ?? 0 : 0
        if !move.child.isSameLifetime(as: event.processID) {
            pending[event.pid] = nil
        } else if newParent != 0 && newParent != move.formerParent {
            pending[event.pid] = nil
            moves.append(record(move, newParent: newParent))
        } else if event.kind == .reap {
            pending[event.pid] = nil
        } else {
            move.time = max(move.time, event.time)
            pending[event.pid] = move
        }
    }

    private func record(_ move: PendingMove, newParent: Int32) -> Event {
        var event = Event(kind: .reparent, time: move.time, pid: move.child.pid, ppid: newParent,
                          startTime: move.child.startTime)
        event.oldPpid = move.formerParent
        return event
    }
}
