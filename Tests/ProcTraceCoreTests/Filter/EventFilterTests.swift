import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct EventFilterTests {
    private func fork(_ pid: Int32, from ppid: Int32, comm: String = "sh") -> Event {
        EventSamples.process(.fork, pid: pid, ppid: ppid, comm: comm)
    }

    /// Runs `events` through a replayer with `filter` and returns the PIDs kept, in order.
    private func kept(_ events: [Event], _ filter: EventFilter, snapshot: [Event] = []) -> [String] {
        let replayer = LogReplayer(filter: filter)
        for var event in snapshot { replayer.tree.apply(&event) }
        var result: [String] = []
        for var event in events where replayer.process(&event) {
            result.append(event.kind.isProcessRecord ? "\(event.kind.name) \(event.pid)" : event.kind.name)
        }
        return result
    }

    @Test func descendantsIncludeChildrenForkedLaterAndKeepMatchingWhenOrphaned() {
        let snapshot = [EventSamples.process(.exists, pid: 100, ppid: 1), EventSamples.process(.exists, pid: 101, ppid: 100)]
        var reparent = EventSamples.process(.reparent, pid: 103, ppid: 1)
        reparent.oldPpid = 102
        var exit = EventSamples.process(.exit, pid: 103, ppid: 1)
        exit.exitStatus = WaitStatus(exitCode: 0)
        let events = [
            fork(102, from: 101), fork(200, from: 1), fork(103, from: 102),
            EventSamples.process(.exit, pid: 102, ppid: 101), reparent, exit,
            EventSamples.process(.reap, pid: 103, ppid: 1), fork(201, from: 200),
        ]
        #expect(kept(events, EventFilter(pids: [101], descendants: true), snapshot: snapshot)
            == ["fork 102", "fork 103", "exit 102", "reparent 103", "exit 103", "reap 103"])
        #expect(kept(events, EventFilter(pids: [101]), snapshot: snapshot) == [])
        #expect(kept(events, EventFilter(pids: [102])) == ["fork 102", "exit 102"])
    }

    @Test func aReusedPidIsNotADescendant() {
        let events = [
            fork(102, from: 101), EventSamples.process(.exit, pid: 102, ppid: 101),
            // The reap was lost; PID 102 comes back as someone else's child with another start time.
            { var event = fork(102, from: 300); event.startTime = 1; return event }(),
        ]
        #expect(kept(events, EventFilter(pids: [101], descendants: true)) == ["fork 102", "exit 102"])
    }

    @Test func commUidAndKindsMustAllMatch() {
        var exec = EventSamples.process(.exec, pid: 10, comm: "make")
        exec.credentials = EventSamples.credentials
        var rootExec = EventSamples.process(.exec, pid: 11, comm: "make")
        rootExec.credentials = .root
        let exit = EventSamples.process(.exit, pid: 10, comm: "make")
        let events = [exec, rootExec, exit, fork(12, from: 1, comm: "cc")]
        #expect(kept(events, EventFilter(comms: [Comm("make")])) == ["exec 10", "exec 11", "exit 10"])
        // The exit carries no credentials: the tree remembers them from the exec.
        #expect(kept(events, EventFilter(uids: [1000])) == ["exec 10", "exit 10"])
        #expect(kept(events, EventFilter(comms: [Comm("make")], kinds: [.exit])) == ["exit 10"])
        #expect(kept(events, EventFilter(comms: [Comm("make"), Comm("cc")], kinds: [.fork, .exit]))
            == ["exit 10", "fork 12"])
    }

    @Test func streamRecordsAlwaysPass() {
        let stream = EventSamples.everyKind().filter { !$0.kind.isProcessRecord }
        #expect(kept(stream, EventFilter(pids: [1], comms: [Comm("none")], uids: [5], kinds: [.exec]))
            == ["start", "lost", "lost", "resync", "user", "user", "alert", "stop"])
    }

    @Test func excludesThePidsItIsTold() {
        let events = [fork(500, from: 1), fork(501, from: 500)]
        #expect(kept(events, EventFilter(excludedPids: [500])) == ["fork 501"])
    }

    @Test func aLongNameMatchesTheKernelsTruncatedName() {
        let events = [fork(7, from: 1, comm: "a-very-long-program-name")]
        #expect(kept(events, EventFilter(comms: [Comm("a-very-long-program-name")])) == ["fork 7"])
        #expect(EventFilter().isEmpty && !EventFilter(kinds: []).isEmpty)
    }

    @Test func containerCgroupAndLoginUidMatchTheProcessesLastContext() {
        func exec(_ pid: Int32, cgroup: String, auid: UInt32?) -> Event {
            var event = EventSamples.process(.exec, pid: pid, ppid: 1)
            var context = ProcessContext()
            context.setCgroup(Array(cgroup.utf8))
            context.auid = auid
            event.context = context
            return event
        }
        let id = EventSamples.containerID
        let events = [
            exec(10, cgroup: "/system.slice/docker-\(id).scope", auid: nil),
            exec(11, cgroup: "/system.slice/cron.service", auid: 1000),
            exec(12, cgroup: "/system.slicer/x", auid: 1001),
            exec(13, cgroup: "/user.slice/user-1000.slice/session-3.scope", auid: 1000),
            EventSamples.process(.exit, pid: 10, ppid: 1),  // no context of its own: the exec's
            EventSamples.process(.exit, pid: 14, ppid: 1),  // no context known at all
        ]
        var byContainer = EventFilter()
        byContainer.containers = [Array(id.prefix(12).utf8)]
        #expect(kept(events, byContainer) == ["exec 10", "exit 10"])
        var byCgroup = EventFilter()
        byCgroup.cgroups = [Array("/system.slice/".utf8)]
        #expect(kept(events, byCgroup) == ["exec 10", "exec 11", "exit 10"], "whole components: not /system.slicer")
        var byLogin = EventFilter()
        byLogin.auids = [1000]
        #expect(kept(events, byLogin) == ["exec 11", "exec 13"])
    }
}
