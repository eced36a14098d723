/// Turns the proc connector's exits, which come one per task (thread), into
/// one exit per process, sent when the process's last task ends.
///
/// Why not simply the leader's (tid == tgid) exit: the leader can end before
/// the process does. It may call pthread_exit while other threads run on, and
/// when a non-leader thread calls execve the kernel kills the old leader (an
/// exit with status 0 arrives) and the exec'ing thread takes over its PID. So
/// the tracker keeps, for multi-threaded processes only, the set of threads
/// still running (from thread forks and the /proc snapshot); a leader exit
/// while threads remain is held until the last of them exits, and an exec
/// cancels it (after execve a process has exactly one thread).
///
/// The wait status is what wait(2) will say: the group's status after
/// exit_group or a fatal signal (every task exiting after it carries it);
/// without either, since Linux 6.0 the status of the last task to exit (the
/// kernel sets the group's status then, kernel/exit.c synchronize_group_exit),
/// before 6.0 the leader's own code (`GroupStatusRule`). A held leader exit's
/// code is kept, with the latest non-zero code of a task exiting after it:
/// connector events of threads that ended just before an exit_group may
/// arrive after the group's, still carrying 0 from pthread_exit, which is why
/// the last task's code alone is not enough. So the status is the last task's
/// code unless that is 0 and an earlier task of the ending group carried a
/// non-zero one; before 6.0 the leader's non-zero code comes first.
public struct ProcessExitTracker {
    /// A process that ended.
    public struct ProcessExit: Equatable, Sendable {
        public var pid: Int32
        public var status: WaitStatus
        /// The parent (TGID) the kernel named; 0 when it did not name one.
        public var parent: Int32
        /// The kernel had already released it (the parent ignores SIGCHLD):
        /// it never was a zombie, its reap happened with the exit.
        public var released: Bool
        /// CLOCK_MONOTONIC nanoseconds of the exit that ended the process.
        public var timestamp: UInt64

        public init(pid: Int32, status: WaitStatus, parent: Int32, released: Bool, timestamp: UInt64) {
            self.pid = pid
            self.status = status
            self.parent = parent
            self.released = released
            self.timestamp = timestamp
        }
    }

    /// Which task's code wait(2) reports when no exit_group or fatal signal
    /// set the group's status.
    public enum GroupStatusRule: Sendable {
        /// The leader's own exit code (Linux before 6.0).
        case leader
        /// The code of the last task to exit, which sets the group's status (Linux 6.0 and later).
        case lastTask

        /// The rule of a Linux kernel of this release.
        public static func linux(major: Int, minor: Int) -> GroupStatusRule {
            (major, minor) >= (6, 0) ? .lastTask : .leader
        }
    }

    private struct HeldLeaderExit {
        var parent: Int32
        var exitCode: UInt32
        /// The latest non-zero code among the leader's and the tasks' that exited after it.
        var latestNonZero: UInt32
    }

    private let rule: GroupStatusRule
    /// Non-leader threads still running, for processes that have any.
    private var threads: [Int32: Set<Int32>] = [:]
    private var heldLeaderExits: [Int32: HeldLeaderExit] = [:]

    public init(rule: GroupStatusRule = .lastTask) {
        self.rule = rule
    }

    /// Processes with threads (or a held leader exit) being tracked.
    public var trackedProcessCount: Int { threads.count }

    /// Forgets everything (before a resynchronisation).
    public mutating func removeAll() {
        threads.removeAll()
        heldLeaderExits.removeAll()
    }

    /// The threads a process has besides its leader, as /proc lists them.
    public mutating func setThreads<Threads: Sequence>(_ tids: Threads, of pid: Int32) where Threads.Element == Int32 {
        var others = Set(tids)
        others.remove(pid)
        threads[pid] = others.isEmpty ? nil : others
    }

    /// A new process (not a thread) now holds `pid`: whatever was known under it is stale.
    public mutating func processStarted(_ pid: Int32) {
        threads[pid] = nil
        heldLeaderExits[pid] = nil
    }

    public mutating func threadStarted(_ task: TaskIDs) {
        guard !task.isLeader else { return processStarted(task.tgid) }
        threads[task.tgid, default: []].insert(task.tid)
    }

    /// After execve the process has only the exec'ing thread, under the leader's ID.
    public mutating func processExecuted(_ pid: Int32) {
        processStarted(pid)
    }

    /// One task ended; returns the process's exit when it was the last task.
    public mutating func taskExited(
        _ task: TaskIDs, exitCode: UInt32, parent: TaskIDs, timestamp: UInt64
    ) -> ProcessExit? {
        let pid = task.tgid
        if task.isLeader {
            if threads[pid] != nil {
                heldLeaderExits[pid] = HeldLeaderExit(parent: parent.tgid, exitCode: exitCode, latestNonZero: exitCode)
                return nil
            }
            heldLeaderExits[pid] = nil
            // The kernel names the parent only while the task is unreleased.
            let released = parent.tid == 0 && parent.tgid == 0
            return ProcessExit(pid: pid, status: WaitStatus(raw: exitCode), parent: parent.tgid,
                               released: released, timestamp: timestamp)
        }
        guard threads[pid]?.remove(task.tid) != nil else { return nil }
        if exitCode != 0 { heldLeaderExits[pid]?.latestNonZero = exitCode }
        guard threads[pid]?.isEmpty == true else { return nil }
        threads[pid] = nil
        guard let held = heldLeaderExits.removeValue(forKey: pid) else { return nil }
        // The last thread is always released at once, so it tells nothing of the
        // process's own release: that is left to the reap watch.
        let status = rule == .leader && held.exitCode != 0 ? held.exitCode : held.latestNonZero
        return ProcessExit(pid: pid, status: WaitStatus(raw: status), parent: held.parent,
                           released: false, timestamp: timestamp)
    }
}
