import ProcTraceCore
import Testing

@Suite struct ProcessExitTrackerTests {
    /// Feeds a capture through the tracker as the netlink source does.
    private func processExits(_ events: [ProcConnectorEvent], tracker: inout ProcessExitTracker)
        -> [ProcessExitTracker.ProcessExit]
    {
        var exits: [ProcessExitTracker.ProcessExit] = []
        for event in events {
            switch event.detail {
            case .fork(_, let child): tracker.threadStarted(child)
            case .exec(let task): tracker.processExecuted(task.tgid)
            case .exit(let task, let code, _, let parent):
                if let exit = tracker.taskExited(task, exitCode: code, parent: parent, timestamp: event.timestamp) {
                    exits.append(exit)
                }
            default: break
            }
        }
        return exits
    }

    @Test func exitGroupEndsTheProcessAtItsLastThread() throws {
        var tracker = ProcessExitTracker()
        let exits = processExits(try NetlinkFixtures.events("threads-exit-group"), tracker: &tracker)
        #expect(exits == [.init(pid: 10638, status: WaitStatus(exitCode: 5), parent: 10595, released: false,
                                timestamp: 3_503_560_792_120)])
        #expect(tracker.trackedProcessCount == 0)
    }

    @Test func execFromAThreadIsNotAnExit() throws {
        // The old leader's exit (status 0) comes before the exec; the process lives on.
        var tracker = ProcessExitTracker()
        let exits = processExits(try NetlinkFixtures.events("thread-execs"), tracker: &tracker)
        #expect(exits == [.init(pid: 10641, status: WaitStatus(exitCode: 0), parent: 10595, released: false,
                                timestamp: 3_504_367_007_968)])
    }

    @Test func autoreapedChildIsReleasedAtExit() throws {
        var tracker = ProcessExitTracker()
        let exits = processExits(try NetlinkFixtures.events("autoreaped"), tracker: &tracker)
        #expect(exits.map(\.pid) == [10647, 10646])
        #expect(exits.map(\.released) == [true, false])
        #expect(exits.map(\.parent) == [0, 10595])
    }

    @Test func leaderThatLeavesFirstWaitsForTheGroupStatus() {
        // pthread_exit in main (status 0), then another thread calls exit(3).
        var tracker = ProcessExitTracker()
        let parent = TaskIDs(process: 1)
        tracker.setThreads([100, 101], of: 100)
        #expect(tracker.taskExited(TaskIDs(process: 100), exitCode: 0, parent: parent, timestamp: 1) == nil)
        let exit = tracker.taskExited(TaskIDs(tid: 101, tgid: 100), exitCode: 3 << 8,
                                      parent: TaskIDs(tid: 0, tgid: 0), timestamp: 2)
        #expect(exit == .init(pid: 100, status: WaitStatus(exitCode: 3), parent: 1, released: false, timestamp: 2))
    }

    @Test func threadsReportedAfterTheLeaderDoNotOverrideItsStatus() {
        // Joined threads (pthread_exit, status 0) whose connector events arrive
        // after the leader's exit_group(7): wait(2) says 7.
        var tracker = ProcessExitTracker()
        let parent = TaskIDs(process: 1)
        tracker.setThreads([200, 201, 202], of: 200)
        #expect(tracker.taskExited(TaskIDs(process: 200), exitCode: 7 << 8, parent: parent, timestamp: 1) == nil)
        #expect(tracker.taskExited(TaskIDs(tid: 201, tgid: 200), exitCode: 0, parent: TaskIDs(tid: 0, tgid: 0),
                                   timestamp: 2) == nil)
        let exit = tracker.taskExited(TaskIDs(tid: 202, tgid: 200), exitCode: 0, parent: TaskIDs(tid: 0, tgid: 0),
                                      timestamp: 3)
        #expect(exit == .init(pid: 200, status: WaitStatus(exitCode: 7), parent: 1, released: false, timestamp: 3))
    }

    /// The leader leaves with SYS_exit(leader), the other threads exit in
    /// turn with `others`; returns the process's exit status code.
    private func statusWhenTheLeaderLeavesFirst(leader: Int, others: [Int], rule: ProcessExitTracker.GroupStatusRule) -> Int? {
        var tracker = ProcessExitTracker(rule: rule)
        let tids = (1...others.count).map { 300 + Int32($0) }
        tracker.setThreads([300] + tids, of: 300)
        var exit = tracker.taskExited(TaskIDs(process: 300), exitCode: UInt32(leader) << 8, parent: TaskIDs(process: 1),
                                      timestamp: 1)
        for (tid, code) in zip(tids, others) {
            #expect(exit == nil)
            exit = tracker.taskExited(TaskIDs(tid: tid, tgid: 300), exitCode: UInt32(code) << 8,
                                      parent: TaskIDs(tid: 0, tgid: 0), timestamp: 2)
        }
        #expect(exit?.parent == 1)
        return exit?.status.exitCode
    }

    @Test func sinceLinux6TheLastTaskSetsTheStatusWhenNoGroupExitDid() {
        // Issue 25: leader SYS_exit(7), last thread SYS_exit(5): wait(2) says 5 on 6.x, 7 on 5.10.
        #expect(statusWhenTheLeaderLeavesFirst(leader: 7, others: [5], rule: .lastTask) == 5)
        #expect(statusWhenTheLeaderLeavesFirst(leader: 7, others: [5], rule: .leader) == 7)
        #expect(ProcessExitTracker.GroupStatusRule.linux(major: 6, minor: 1) == .lastTask)
        #expect(ProcessExitTracker.GroupStatusRule.linux(major: 6, minor: 0) == .lastTask)
        #expect(ProcessExitTracker.GroupStatusRule.linux(major: 5, minor: 19) == .leader)
        #expect(ProcessExitTracker.GroupStatusRule.linux(major: 5, minor: 10) == .leader)
    }

    @Test func aLateZeroFromAThreadThatLeftBeforeTheGroupExitKeepsTheGroupsStatus() {
        for rule in [ProcessExitTracker.GroupStatusRule.leader, .lastTask] {
            // The leader left with pthread_exit; a thread's exit_group(3) killed
            // another; a thread that had called pthread_exit just before is reported last.
            #expect(statusWhenTheLeaderLeavesFirst(leader: 0, others: [3, 3, 0], rule: rule) == 3)
            // The leader's own exit_group(7), with the same late zero.
            #expect(statusWhenTheLeaderLeavesFirst(leader: 7, others: [7, 0], rule: rule) == 7)
            // Everyone left with pthread_exit, the last through glibc's exit(0).
            #expect(statusWhenTheLeaderLeavesFirst(leader: 0, others: [0, 0], rule: rule) == 0)
        }
    }

    @Test func threadExitsOfUnknownThreadsAreNotProcessExits() {
        var tracker = ProcessExitTracker()
        #expect(tracker.taskExited(TaskIDs(tid: 7, tgid: 5), exitCode: 0, parent: TaskIDs(tid: 0, tgid: 0),
                                   timestamp: 1) == nil)
        #expect(tracker.taskExited(TaskIDs(process: 5), exitCode: 0, parent: TaskIDs(process: 1), timestamp: 2)?.pid == 5)
    }

    @Test func aNewProcessUnderTheSamePIDStartsClean() {
        var tracker = ProcessExitTracker()
        tracker.setThreads([50, 51], of: 50)
        #expect(tracker.taskExited(TaskIDs(process: 50), exitCode: 0, parent: TaskIDs(process: 1), timestamp: 1) == nil)
        // Thread 51's exit was lost; PID 50 is handed to a new, single-threaded process.
        tracker.processStarted(50)
        #expect(tracker.taskExited(TaskIDs(process: 50), exitCode: 256, parent: TaskIDs(process: 1), timestamp: 2)?
            .status == WaitStatus(exitCode: 1))
    }
}
