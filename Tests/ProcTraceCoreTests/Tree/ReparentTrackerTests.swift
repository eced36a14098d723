import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct ReparentTrackerTests {
    private func id(_ pid: Int32, _ start: UInt64) -> ProcessID { ProcessID(pid: pid, startTime: start) }

    /// Applies each event to the tree, then hands it to the tracker and
    /// applies the moves it found, as the Recorder does.
    private func run(_ events: [Event], _ tree: ProcessTree, _ tracker: ReparentTracker) -> [Event] {
        written(events, tree, tracker).filter { $0.kind == .reparent }
    }

    /// Every record in the order the Recorder writes them: the moves a
    /// record settles before it, the moves its exit causes after it.
    private func written(_ events: [Event], _ tree: ProcessTree, _ tracker: ReparentTracker) -> [Event] {
        var log: [Event] = []
        for var event in events {
            var before: [Event] = []
            tracker.moves(before: event, into: &before)
            log += applied(before, tree)
            tree.apply(&event)
            log.append(event)
            var moves: [Event] = []
            tracker.moves(after: event, in: tree, into: &moves)
            log += applied(moves, tree)
        }
        return log
    }

    /// The tracker's once-per-batch retry, its moves applied.
    private func retry(_ tracker: ReparentTracker, _ tree: ProcessTree, now: Int64) -> [Event] {
        var moves: [Event] = []
        tracker.retryPending(in: tree, now: now, into: &moves)
        return applied(moves, tree)
    }

    private func applied(_ moves: [Event], _ tree: ProcessTree) -> [Event] {
        moves.map { move in
            var move = move
            tree.apply(&move)
            return move
        }
    }

    @Test func orphanGoesToTheSubreaperTheKernelChose() {
        let tree = ProcessTree()
        let lookup = FakeParentLookup([id(200, 2_000): .parent(50)])
        let tracker = ReparentTracker(lookup: lookup)
        let moves = run([
            E.exists(1, ppid: 0, start: 1),
            E.exists(50, ppid: 1, start: 50, comm: "supervisor"),
            E.fork(100, ppid: 50, start: 1_000),
            E.fork(200, ppid: 100, start: 2_000, comm: "worker"),
            E.exit(100, ppid: 50, start: 1_000, at: 777),
        ], tree, tracker)

        #expect(moves.count == 1)
        let move = moves[0]
        #expect(move.kind == .reparent)
        #expect(move.pid == 200 && move.oldPpid == 100 && move.ppid == 50)
        #expect(move.startTime == 2_000)
        #expect(move.time == 777)
        #expect(move.comm == Comm("worker"))
        #expect(tree.childPIDs(of: 50) == [100, 200])
        #expect(lookup.questions == [id(200, 2_000)])
        #expect(tracker.pendingCount == 0)
    }

    @Test func moveNotYetVisibleIsRetriedAfterTheBatch() {
        let tree = ProcessTree()
        let lookup = FakeParentLookup([id(200, 2_000): .parent(100)])
        let tracker = ReparentTracker(lookup: lookup)
        let moves = run([
            E.exists(1, ppid: 0, start: 1),
            E.fork(100, ppid: 1, start: 1_000),
            E.fork(200, ppid: 100, start: 2_000),
            E.exit(100, ppid: 1, start: 1_000, at: 500),
        ], tree, tracker)
        #expect(moves.isEmpty)
        #expect(tracker.pendingCount == 1)
        #expect(tree.childPIDs(of: 100) == [200])

        #expect(retry(tracker, tree, now: 600).isEmpty)
        lookup.answers[id(200, 2_000)] = .parent(1)
        let later = retry(tracker, tree, now: 700)
        #expect(later.map(\.ppid) == [1])
        #expect(later.first?.time == 500)
        #expect(tree.childPIDs(of: 1) == [100, 200])
        #expect(tracker.pendingCount == 0)
    }

    @Test func theKernelsOwnRecordSettlesAPendingMove() {
        let tree = ProcessTree()
        let tracker = ReparentTracker(lookup: FakeParentLookup([id(200, 2_000): .unknown]))
        var moves = run([
            E.exists(1, ppid: 0, start: 1),
            E.fork(100, ppid: 1, start: 1_000),
            E.fork(200, ppid: 100, start: 2_000),
            E.exit(100, ppid: 1, start: 1_000, at: 500),
        ], tree, tracker)
        #expect(moves.isEmpty)
        moves = run([E.exit(200, ppid: 1, start: 2_000, at: 900)], tree, tracker)
        #expect(moves.count == 1)
        #expect(moves.first?.oldPpid == 100 && moves.first?.ppid == 1 && moves.first?.time == 500)
        #expect(tracker.pendingCount == 0)
        #expect(tree.childPIDs(of: 1) == [100, 200])
    }

    @Test func aChildGoneFromProcIsSettledByItsOwnLaterRecords() {
        // Records are read in batches: by the time the parent's exit is read,
        // the children may be gone from /proc, their own records still unread.
        let tree = ProcessTree()
        let lookup = FakeParentLookup([id(200, 2_000): .gone, id(300, 3_000): .gone, id(400, 4_000): .gone])
        let tracker = ReparentTracker(lookup: lookup)
        var moves = run([
            E.exists(1, ppid: 0, start: 1),
            E.exists(50, ppid: 1, start: 50),
            E.fork(100, ppid: 50, start: 1_000),
            E.fork(200, ppid: 100, start: 2_000),
            E.fork(300, ppid: 100, start: 3_000),
            E.fork(400, ppid: 100, start: 4_000),
            E.exit(100, ppid: 50, start: 1_000, at: 10),
        ], tree, tracker)
        #expect(moves.isEmpty)
        #expect(tracker.pendingCount == 3)

        moves = run([
            E.exit(200, ppid: 50, start: 2_000, at: 20),
            // 300 exited before the move: its exit names the old parent; then it is reaped.
            E.reap(300, start: 3_000, at: 30),
            // 400's reap was lost and its PID went to someone else.
            E.fork(400, ppid: 1, start: 9_000, at: 40),
        ], tree, tracker)
        #expect(moves.map { [$0.pid, $0.oldPpid, $0.ppid] } == [[200, 100, 50]])
        #expect(moves.first?.time == 10)
        #expect(tracker.pendingCount == 0)
    }

    @Test func aMoveSettledByTheChildsOwnRecordIsWrittenBeforeThatRecord() {
        // Issue 25: the orphan exits at once and is reaped before its parent's
        // exit is read; its exit named the new parent, and was written first.
        let tree = ProcessTree()
        let tracker = ReparentTracker(lookup: FakeParentLookup([id(200, 2_000): .gone]))
        let log = written([
            E.exists(1, ppid: 0, start: 1),
            E.exists(50, ppid: 1, start: 50),
            E.fork(100, ppid: 50, start: 1_000, at: 5),
            E.fork(200, ppid: 100, start: 2_000, at: 6),
            E.exit(100, ppid: 50, start: 1_000, at: 10),
            E.exit(200, ppid: 50, start: 2_000, at: 20),
            E.reap(200, start: 2_000, reaper: 50, at: 30),
        ], tree, tracker)
        let child = log.filter { $0.pid == 200 }
        #expect(child.map(\.kind) == [.fork, .reparent, .exit, .reap])
        #expect(child.map(\.time) == [6, 10, 20, 30])
        #expect(child.map(\.ppid) == [100, 50, 50, 50])
        #expect(tracker.pendingCount == 0)
    }

    @Test func aWaitByAnotherParentSettlesTheMoveBeforeItsReap() {
        // No record of the child between its parent's exit and its reap: the
        // reaper is the parent whose wait released it.
        let tree = ProcessTree()
        let tracker = ReparentTracker(lookup: FakeParentLookup([id(200, 2_000): .gone]))
        let log = written([
            E.exists(1, ppid: 0, start: 1),
            E.fork(100, ppid: 1, start: 1_000, at: 5),
            E.fork(200, ppid: 100, start: 2_000, at: 6),
            E.exit(200, ppid: 100, start: 2_000, at: 8),
            E.exit(100, ppid: 1, start: 1_000, at: 10),
            E.reap(200, start: 2_000, reaper: 1, reason: .wait, at: 30),
        ], tree, tracker)
        let child = log.filter { $0.pid == 200 }
        #expect(child.map(\.kind) == [.fork, .exit, .reparent, .reap])
        #expect(child.map(\.time) == [6, 8, 10, 30])
        #expect(child.last?.ppid == 1)
        #expect(tracker.pendingCount == 0)
    }

    @Test func aReapWhoseReaperWasReadLateSettlesNothing() {
        // sched hooks read a `freed` reap's reaper after an RCU delay: not the kernel's word on a move.
        let tree = ProcessTree()
        let tracker = ReparentTracker(lookup: FakeParentLookup([id(200, 2_000): .gone]))
        let moves = run([
            E.exists(1, ppid: 0, start: 1),
            E.fork(100, ppid: 1, start: 1_000, at: 5),
            E.fork(200, ppid: 100, start: 2_000, at: 6),
            E.exit(200, ppid: 100, start: 2_000, at: 8),
            E.exit(100, ppid: 1, start: 1_000, at: 10),
            E.reap(200, start: 2_000, reaper: 4_242, reason: .freed, at: 30),
        ], tree, tracker)
        #expect(moves.isEmpty)
        #expect(tracker.pendingCount == 0)
    }

    @Test func aChildThatExitedBeforeItsMoveIsMovedNoEarlierThanItsExit() {
        // The child's exit still named the former parent: the kernel moved the
        // zombie after it, so the move is not dated before the exit.
        let tree = ProcessTree()
        let lookup = FakeParentLookup([id(200, 2_000): .parent(100)])
        let tracker = ReparentTracker(lookup: lookup)
        var log = written([
            E.exists(1, ppid: 0, start: 1),
            E.fork(100, ppid: 1, start: 1_000, at: 5),
            E.fork(200, ppid: 100, start: 2_000, at: 6),
            E.exit(100, ppid: 1, start: 1_000, at: 10),
            E.exit(200, ppid: 100, start: 2_000, at: 12),
        ], tree, tracker)
        lookup.answers[id(200, 2_000)] = .parent(1)
        log += retry(tracker, tree, now: 20)
        let child = log.filter { $0.pid == 200 }
        #expect(child.map(\.kind) == [.fork, .exit, .reparent])
        #expect(child.map(\.time) == [6, 12, 12])
    }

    @Test func withoutAVisibleMoveItGivesUpAfterItsPatienceAndGuessesNothing() {
        let tree = ProcessTree()
        let tracker = ReparentTracker(lookup: FakeParentLookup(), patience: 1_000)
        _ = run([
            E.exists(1, ppid: 0, start: 1),
            E.fork(100, ppid: 1, start: 1_000),
            E.fork(200, ppid: 100, start: 2_000),
            E.exit(100, ppid: 1, start: 1_000, at: 10_000),
        ], tree, tracker)
        #expect(retry(tracker, tree, now: 10_500).isEmpty)
        #expect(tracker.pendingCount == 1)
        #expect(retry(tracker, tree, now: 11_001).isEmpty)
        #expect(tracker.pendingCount == 0)
        #expect(tree[200]?.ppid == 100)
    }

    @Test func daemonIdiomMovesEachGenerationUp() {
        // shell(10) forks 100; 100 forks 101 and exits; 101 calls setsid,
        // forks 102 and exits; 102 is the daemon, now a child of init.
        let tree = ProcessTree()
        let lookup = FakeParentLookup()
        let tracker = ReparentTracker(lookup: lookup)
        var moves = run([
            E.exists(1, ppid: 0, start: 1),
            E.exists(10, ppid: 1, start: 10, comm: "sh"),
            E.fork(100, ppid: 10, start: 1_000),
            E.fork(101, ppid: 100, start: 1_010),
        ], tree, tracker)
        lookup.answers[id(101, 1_010)] = .parent(100)
        moves += run([E.exit(100, ppid: 10, start: 1_000, at: 2_000)], tree, tracker)
        #expect(moves.isEmpty)
        // 101's move is not visible yet when it forks and exits; its exit
        // record carries the parent the kernel gave it.
        moves += run([
            E.fork(102, ppid: 101, start: 1_020),
            E.exit(101, ppid: 1, start: 1_010, at: 3_000),
        ], tree, tracker)
        lookup.answers[id(102, 1_020)] = .parent(1)
        moves += retry(tracker, tree, now: 3_100)
        moves += run([E.reap(100, start: 1_000, reaper: 10), E.reap(101, start: 1_010, reaper: 1)], tree, tracker)

        #expect(moves.map { [$0.pid, $0.oldPpid, $0.ppid] } == [[101, 100, 1], [102, 101, 1]])
        #expect(moves.map(\.time) == [2_000, 3_000])
        #expect(tree.childPIDs(of: 1) == [10, 102])
        #expect(tree.count == 3)
    }

    @Test func childrenOfProcessesFromTheSnapshotAreMovedToo() {
        let tree = ProcessTree()
        let lookup = FakeParentLookup([id(300, 3_000): .parent(1), id(301, 3_001): .parent(1)])
        let tracker = ReparentTracker(lookup: lookup)
        let moves = run([
            // Listed child first, as a snapshot of wrapped PIDs would.
            E.exists(300, ppid: 40_000, start: 3_000),
            E.exists(301, ppid: 40_000, start: 3_001),
            E.exists(40_000, ppid: 1, start: 2_000),
            E.exists(1, ppid: 0, start: 1),
            E.exit(40_000, ppid: 1, start: 2_000, at: 5),
        ], tree, tracker)
        #expect(moves.map(\.pid).sorted() == [300, 301])
        #expect(tree.childPIDs(of: 1) == [300, 301, 40_000])
    }

    @Test func aCloneParentSiblingIsNotTheExitingProcesssChild() {
        let tree = ProcessTree()
        let lookup = FakeParentLookup()
        let tracker = ReparentTracker(lookup: lookup)
        let moves = run([
            E.exists(1, ppid: 0, start: 1),
            E.fork(100, ppid: 1, start: 1_000),
            E.fork(101, ppid: 1, start: 1_001),
            E.exit(100, ppid: 1, start: 1_000),
        ], tree, tracker)
        #expect(moves.isEmpty)
        #expect(lookup.questions.isEmpty)
    }
}
