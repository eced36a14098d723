import ProcTraceCore
import ProcTraceTestSupport
import Testing

typealias E = LifecycleEvents

@Suite struct ProcessTreeTests {
    @Test func forkExecExitReapWalksOneLifetime() throws {
        let tree = ProcessTree()
        tree.apply([
            E.exists(1, ppid: 0, start: 10, comm: "init"),
            E.fork(100, ppid: 1, start: 1_000, at: 5),
            E.exec(100, ppid: 1, start: 1_000, argv: ["/bin/sleep", "5"], uid: 1000),
        ])
        let node = try #require(tree[100])
        #expect(node.comm == Comm("sleep"))
        #expect(node.argv == ArgumentVector(strings: ["/bin/sleep", "5"]))
        #expect(node.credentials?.uid == 1000)
        #expect(tree.childPIDs(of: 1) == [100])

        tree.apply([E.exit(100, ppid: 1, start: 1_000, status: WaitStatus(signal: 9), at: 77)])
        #expect(node.isZombie)
        #expect(node.exitTime == 77)
        #expect(node.exitStatus?.summary == "killed by SIGKILL")

        var reap = E.reap(100, start: 1_000, reaper: 1)
        tree.apply(&reap)
        #expect(tree[100] == nil)
        #expect(tree.childPIDs(of: 1) == [])
        #expect(reap.comm == Comm("sleep"))
        #expect(reap.ppid == 1)
        #expect(tree.count == 1)
    }

    @Test func reapOfAnOldLifetimeLeavesTheNewOneAlone() throws {
        let tree = ProcessTree()
        tree.apply([
            E.exists(1, ppid: 0, start: 10),
            E.fork(100, ppid: 1, start: 1_000),
            E.exit(100, ppid: 1, start: 1_000),
            // The reap was lost; the PID comes back as another process.
            E.fork(100, ppid: 1, start: 9_000, comm: "new"),
        ])
        let reborn = try #require(tree[100])
        #expect(reborn.startTime == 9_000)
        #expect(!reborn.isZombie)
        #expect(reborn.comm == Comm("new"))
        #expect(tree.childPIDs(of: 1) == [100])

        tree.apply([E.reap(100, start: 1_000)])
        #expect(tree[100] === reborn)
    }

    @Test func forkOverAZombieWithUnknownStartTimesReplacesIt() {
        let tree = ProcessTree()
        tree.apply([
            E.fork(100, ppid: 1, start: 0),
            E.exit(100, ppid: 1, start: 0),
            E.fork(100, ppid: 7, start: 0),
        ])
        #expect(tree[100]?.isZombie == false)
        #expect(tree[100]?.ppid == 7)
    }

    @Test func childrenOfARecycledParentPIDAreNotAdoptedByTheNewcomer() {
        let tree = ProcessTree()
        tree.apply([
            E.exists(1, ppid: 0, start: 10),
            E.fork(100, ppid: 1, start: 1_000),
            E.fork(200, ppid: 100, start: 2_000),
            // 100 dies and is reaped, but the move of 200 was never seen.
            E.exit(100, ppid: 1, start: 1_000),
            E.reap(100, start: 1_000),
            E.fork(100, ppid: 1, start: 5_000),
        ])
        #expect(tree.childPIDs(of: 100) == [])
        #expect(tree.roots.map(\.pid) == [1, 200])
        // When the kernel's own record names the real parent, the tree follows.
        tree.apply([E.exit(200, ppid: 1, start: 2_000)])
        #expect(tree.childPIDs(of: 1) == [100, 200])
        #expect(tree.roots.map(\.pid) == [1])
    }

    @Test func aForkNamingItsParentsStartTimeIsNotHungUnderAStaleProcessAtThatPID() {
        let tree = ProcessTree()
        var fork = E.fork(200, ppid: 100, start: 6_000)
        fork.parentStartTime = 5_000
        tree.apply([
            E.exists(1, ppid: 0, start: 10),
            // 100 (started at 1,000) exited; its reap was lost, and a new
            // process got PID 100 at 5,000 without the tree seeing its fork.
            E.fork(100, ppid: 1, start: 1_000),
            E.exit(100, ppid: 1, start: 1_000),
            fork,
        ])
        #expect(tree.childPIDs(of: 100) == [])
        #expect(tree[200]?.parent == nil)
        // The real parent's first record replaces the stale node and adopts its child.
        tree.apply([E.exit(100, ppid: 1, start: 5_000)])
        #expect(tree[100]?.startTime == 5_000)
        #expect(tree.childPIDs(of: 100) == [200])

        // Without the parent's start time, the older process at the PID is the best guess.
        let guessing = ProcessTree()
        guessing.apply([E.exists(1, ppid: 0, start: 10), E.fork(100, ppid: 1, start: 1_000),
                        E.exit(100, ppid: 1, start: 1_000), E.fork(200, ppid: 100, start: 6_000)])
        #expect(guessing.childPIDs(of: 100) == [200])
    }

    @Test func execFromANonLeaderThreadKeepsTheProcessAndItsChildren() throws {
        let tree = ProcessTree()
        tree.apply([
            E.exists(1, ppid: 0, start: 10),
            E.fork(100, ppid: 1, start: 1_000, comm: "java"),
            E.thread(.threadStart, pid: 100, tid: 101, ppid: 1, start: 1_000),
            E.fork(300, ppid: 100, start: 3_000),
            // Thread 101 execs: the kernel kills the leader, 101 takes PID 100.
            E.thread(.threadExit, pid: 100, tid: 100, ppid: 1, start: 1_000),
            E.exec(100, ppid: 1, start: 1_000, argv: ["/usr/bin/env"], oldPid: 101),
        ])
        let node = try #require(tree[100])
        #expect(node.startTime == 1_000)
        #expect(!node.isZombie)
        #expect(node.comm == Comm("env"))
        #expect(tree.childPIDs(of: 100) == [300])
        #expect(tree[101] == nil)
        #expect(tree.count == 3)
    }

    @Test func cloneParentMakesASiblingOfTheCaller() {
        let tree = ProcessTree()
        tree.apply([
            E.exists(1, ppid: 0, start: 10),
            E.fork(100, ppid: 1, start: 1_000),
            // 100 calls clone(CLONE_PARENT): the child's parent is 100's parent.
            E.fork(101, ppid: 1, start: 1_100),
        ])
        #expect(tree.childPIDs(of: 1) == [100, 101])
        #expect(tree.childPIDs(of: 100) == [])
    }

    @Test func childBeforeParentIsAdoptedWhenTheParentAppears() {
        let tree = ProcessTree()
        tree.apply([
            E.exists(2_000, ppid: 500, start: 2_000),
            E.exists(2_001, ppid: 500, start: 2_001),
            E.exists(3, ppid: 2_000, start: 3_000),
        ])
        #expect(tree.roots.map(\.pid) == [2_000, 2_001])
        #expect(tree.childPIDs(of: 2_000) == [3])

        tree.apply([E.exists(500, ppid: 1, start: 500), E.exists(1, ppid: 0, start: 1)])
        #expect(tree.roots.map(\.pid) == [1])
        #expect(tree.childPIDs(of: 1) == [500])
        #expect(tree.childPIDs(of: 500) == [2_000, 2_001])
        #expect(tree[2_000]?.parent === tree[500])
    }

    @Test func aYoungerProcessAtTheParentPIDDoesNotAdoptOlderWaitingChildren() {
        let tree = ProcessTree()
        tree.apply([
            E.exists(300, ppid: 200, start: 3_000),
            E.fork(200, ppid: 1, start: 9_000),
        ])
        #expect(tree.childPIDs(of: 200) == [])
        #expect(tree.roots.map(\.pid) == [200, 300])
    }

    @Test func reparentRecordMovesALiveChild() {
        let tree = ProcessTree()
        tree.apply([
            E.exists(1, ppid: 0, start: 1),
            E.exists(50, ppid: 1, start: 50, comm: "subreaper"),
            E.fork(100, ppid: 50, start: 1_000),
            E.fork(200, ppid: 100, start: 2_000),
            E.exit(100, ppid: 50, start: 1_000, at: 42),
        ])
        var move = E.reparent(200, from: 100, to: 50, start: 2_000, at: 42)
        tree.apply(&move)
        #expect(move.comm == Comm("p200"))
        #expect(tree.childPIDs(of: 50) == [100, 200])
        #expect(tree.childPIDs(of: 100) == [])
        // Applying it twice changes nothing.
        tree.apply(&move)
        #expect(tree.childPIDs(of: 50) == [100, 200])
    }

    @Test func recordsOfAnUnseenProcessCreateANodeOfUnknownOrigin() throws {
        let tree = ProcessTree()
        tree.apply([E.exit(100, ppid: 1, start: 1_000, status: WaitStatus(exitCode: 3))])
        let node = try #require(tree[100])
        #expect(node.unknownOrigin)
        #expect(node.isZombie)
        #expect(node.exitStatus?.exitCode == 3)
    }

    @Test func snapshotZombieIsAZombie() {
        let tree = ProcessTree()
        var zombie = E.exists(100, ppid: 1, start: 1_000, state: "Z", at: 123)
        zombie.exitStatus = WaitStatus(exitCode: 1)
        tree.apply([zombie])
        #expect(tree[100]?.isZombie == true)
        #expect(tree[100]?.knownState == UInt8(ascii: "Z"))
        #expect(tree[100]?.exitStatus?.exitCode == 1)
    }

    @Test func theSameProcessFromSnapshotAndForkIsOneNode() {
        let tree = ProcessTree()
        tree.apply([
            E.fork(100, ppid: 1, start: 1_000),
            E.exists(100, ppid: 1, start: 1_000, comm: "again"),
            E.exists(1, ppid: 0, start: 1),
        ])
        #expect(tree.count == 2)
        #expect(tree.childPIDs(of: 1) == [100])
    }

    @Test func memoryFollowsLiveProcesses() {
        let tree = ProcessTree()
        tree.apply([E.exists(1, ppid: 0, start: 1)])
        var start: UInt64 = 100
        for round in 0..<1_000 {
            let pid = Int32(100 + round % 50)
            start += 1
            tree.apply([
                E.fork(pid, ppid: 1, start: start),
                E.fork(pid + 1_000, ppid: pid, start: start),
                E.exit(pid + 1_000, ppid: pid, start: start),
                E.exit(pid, ppid: 1, start: start),
                E.reap(pid + 1_000, start: start),
                E.reap(pid, start: start),
            ])
        }
        #expect(tree.count == 1)
        #expect(tree.roots.map(\.pid) == [1])
        #expect(tree.childPIDs(of: 1) == [])
    }
}
