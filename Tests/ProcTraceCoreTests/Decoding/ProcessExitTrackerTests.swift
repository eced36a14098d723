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
