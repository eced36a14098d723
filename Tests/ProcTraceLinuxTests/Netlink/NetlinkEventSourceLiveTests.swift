#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import Testing

/// Against the real proc connector: root only, and required under CI.
@Suite(.blocking,
    .serialized,
    .enabled(if: Privilege.canTrace, Privilege.skipReason)
)
final class NetlinkEventSourceLiveTests {
    private let source: NetlinkEventSource
    private var events: [Event] = []

    init() throws {
        source = try NetlinkEventSource()
    }

    deinit {
        source.close()
    }

    /// Polls until `done` holds for the events so far: at most 5 s of polling. The wait for an
    /// event's reads (`complete`) is not part of it; a wait of over a second is printed.
    private func poll(until done: ([Event]) -> Bool) throws {
        var deadline = Clock.monotonicNanoseconds + 5_000_000_000
        while !done(events) && Clock.monotonicNanoseconds < deadline {
            _ = try source.poll(timeoutMilliseconds: 20) { event in
                // What the recorder does off this thread, done here in line: wait for the reads and the hash.
                let started = Clock.monotonicNanoseconds
                Self.complete(&event, by: source)
                let waited = Clock.monotonicNanoseconds - started
                deadline += waited
                if waited > 1_000_000_000 { print("@@report netlink live: \(event.kind) of \(event.pid) waited \(waited / 1_000_000) ms for its reads") }
                events.append(event)
            }
        }
    }

    private func records(of pid: pid_t) -> [Event] {
        events.filter { $0.kind.isProcessRecord && $0.pid == pid }
    }

    private func kinds(of pid: pid_t) -> [EventKind] { records(of: pid).map(\.kind) }

    private func pollUntilExec(of pid: pid_t) throws {
        try poll { $0.contains { $0.kind == .exec && $0.pid == pid } }
    }

    private func pollUntilReaped(_ pid: pid_t) throws {
        try poll { $0.contains { $0.kind == .reap && $0.pid == pid } }
    }

    /// Waits (up to 5 s) for what the source's workers read for `event`. A `cred` record that may be a
    /// set-uid exec's own change waits for its process's next event, which only a later poll brings: it
    /// waits as long as the recorder lets it by default (--hash-wait), then goes on as it is, as there.
    /// (Waiting 5 s for any machine process's seteuid held up the tests' own records: in a 6.12 guest, PID
    /// 299's two waits made an exit 10.8 s old when it was read.)
    static func complete(_ event: inout Event, by source: NetlinkEventSource) {
        let tries = event.kind == .cred ? EnrichmentBounds.defaultWaitMilliseconds / 10 : 500
        for _ in 0..<tries where event.enrichmentTicket != 0 && !source.reads.complete(&event) { usleep(10_000) }
        if event.enrichmentTicket != 0 { source.reads.giveUp(&event, because: .timeout) }
    }

    @Test func snapshotListsThisProcess() throws {
        var snapshot = try source.snapshot()
        for index in snapshot.indices { Self.complete(&snapshot[index], by: source) }
        let me = try #require(snapshot.first { $0.pid == getpid() })
        #expect(me.kind == .exists)
        #expect(me.ppid == getppid())
        #expect(me.argv != nil && me.filename != nil && me.credentials != nil)
        #expect(me.startTime > 0 && me.state != 0)
    }

    @Test func exitCodeAndArguments() throws {
        let child = try ChildProcess("/bin/sh", ["sh", "-c", "read line; exit 3"], holdStdin: true)
        try pollUntilExec(of: child.pid)
        child.wait()
        try pollUntilReaped(child.pid)

        #expect(kinds(of: child.pid) == [.fork, .exec, .exit, .reap])
        let (fork, exec, exit, reap) = (records(of: child.pid)[0], records(of: child.pid)[1],
                                        records(of: child.pid)[2], records(of: child.pid)[3])
        #expect(fork.ppid == getpid())
        #expect(exec.ppid == getpid())
        #expect(exec.argv == ArgumentVector(strings: ["sh", "-c", "read line; exit 3"]))
        #expect(exec.filename.map { String(decoding: $0, as: UTF8.self) } == realPath("/bin/sh"))
        #expect(exec.unavailable.isEmpty)
        #expect(exit.exitStatus?.exitCode == 3 && exit.exitStatus?.signal == nil)
        #expect(exit.ppid == getpid())
        #expect([fork.startTime, exec.startTime, exit.startTime, reap.startTime].allSatisfy { $0 == fork.startTime })
        #expect(reap.reapReason == .inferred)
        #expect(fork.time <= exec.time && exec.time <= exit.time && exit.time <= reap.time)
        // The connector's monotonic clock, converted: close to the wall clock now.
        #expect(abs(Clock.realtimeNanoseconds - exit.time) < 5_000_000_000)
    }

    @Test func killedBySIGKILL() throws {
        let child = try ChildProcess("/bin/sleep", ["sleep", "100"])
        try pollUntilExec(of: child.pid)
        kill(child.pid, SIGKILL)
        child.wait()
        try pollUntilReaped(child.pid)
        let exit = try #require(records(of: child.pid).first { $0.kind == .exit })
        #expect(exit.exitStatus?.signal == Int(SIGKILL))
        #expect(exit.exitStatus?.exitCode == nil && exit.exitStatus?.coreDumped == false)
    }

    @Test func argumentsWithNewlineAndInvalidUTF8AreKeptAsBytes() throws {
        let odd: [[UInt8]] = [Array("sh".utf8), Array("-c".utf8), Array("read line".utf8), Array("a\nb".utf8),
                              [0x66, 0xff, 0xfe, 0x80]]
        let child = try ChildProcess("/bin/sh", odd, holdStdin: true)
        try pollUntilExec(of: child.pid)
        child.wait()
        let exec = try #require(records(of: child.pid).first { $0.kind == .exec })
        #expect(exec.argv?.arguments == odd)
        #expect(exec.argvTruncated == false)
    }

    @Test func execOfAProcessAlreadyGoneHasNoArguments() throws {
        let child = try ChildProcess("/bin/true", ["true"])
        child.wait()
        try pollUntilReaped(child.pid)
        #expect(kinds(of: child.pid) == [.fork, .exec, .exit, .reap])
        let exec = try #require(records(of: child.pid).first { $0.kind == .exec })
        #expect(exec.argv == nil && exec.filename == nil)
        #expect(exec.unavailable.isSuperset(of: [.argv, .filename]))
        let exit = try #require(records(of: child.pid).first { $0.kind == .exit })
        #expect(exit.exitStatus?.exitCode == 0)
        #expect(exit.startTime == exec.startTime && exit.startTime != 0)
    }

    @Test func overrunIsReportedAndResynchronised() throws {
        var settings = NetlinkSettings()
        settings.receiveBufferBytes = 4096
        let small = try NetlinkEventSource(settings: settings)
        defer { small.close() }
        for _ in 0..<100 { try ChildProcess("/bin/true", ["true"]).wait() }

        var seen: [Event] = []
        let deadline = Clock.monotonicNanoseconds + 5_000_000_000
        while !seen.contains(where: { $0.kind == .resync }) && Clock.monotonicNanoseconds < deadline {
            _ = try small.poll(timeoutMilliseconds: 20) { seen.append($0) }
        }
        let lost = try #require(seen.firstIndex { $0.kind == .lost })
        #expect(seen[lost].lostCount == nil)
        let resync = seen[lost + 1]
        #expect(resync.kind == .resync)
        let listed = seen[(lost + 2)...].prefix { $0.kind == .exists }
        #expect(resync.processCount == UInt64(listed.count))
        #expect(listed.contains { $0.pid == getpid() })
    }

    @Test func overrunsCloseTogetherShareOneRereadOfProc() throws {
        var settings = NetlinkSettings()
        settings.receiveBufferBytes = 4096
        // Both bursts must fall within the interval: 200 execs took 3.1 s with a busy loop beside the suite.
        settings.minimumResyncIntervalMilliseconds = 6000
        let small = try NetlinkEventSource(settings: settings)
        defer { small.close() }
        var seen: [Event] = []
        let started = Clock.monotonicNanoseconds
        for _ in 0..<2 {
            for _ in 0..<100 { try ChildProcess("/bin/true", ["true"]).wait() }
            while try small.poll(timeoutMilliseconds: 0, deliver: { seen.append($0) }) > 0 {}
        }
        let overrunsSoFar = seen.filter { $0.kind == .lost }.count
        try #require(Clock.monotonicNanoseconds - started < 6_000_000_000, "both bursts within the interval")
        #expect(overrunsSoFar >= 2, "each burst overran a 4 KiB buffer")
        #expect(seen.filter { $0.kind == .resync }.count == 1, "the second overrun waits for the interval")
        #expect(seen.allSatisfy { $0.kind != .lost || $0.lostCount == nil })

        // Once the interval has passed, the pending re-read comes without further overruns.
        let deadline = Clock.monotonicNanoseconds + 11_000_000_000
        while seen.filter({ $0.kind == .resync }).count < 2 && Clock.monotonicNanoseconds < deadline {
            _ = try small.poll(timeoutMilliseconds: 100) { seen.append($0) }
        }
        let resyncs = seen.indices.filter { seen[$0].kind == .resync }
        #expect(resyncs.count == 2)
        if resyncs.count == 2 {
            let listed = seen[(resyncs[1] + 1)...].prefix { $0.kind == .exists }
            #expect(seen[resyncs[1]].processCount == UInt64(listed.count) && listed.contains { $0.pid == getpid() })
        }
    }
}

private func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
