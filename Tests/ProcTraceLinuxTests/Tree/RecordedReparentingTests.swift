#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import Testing

/// End to end: the BPF backend records real processes through the same
/// pipeline as `proctrace record` (tree, re-parent tracker, JSON lines), and
/// the log, read back, says what the kernel did. Needs root and BPF.
@Suite(.blocking, .serialized, .enabled(if: ProcessIdentity.isRoot, "needs root for BPF"))
struct RecordedReparentingTests {
    /// The consumer woken by every record (the /proc look-up sees children
    /// alive), or only by the default batch size (records are read late,
    /// after the processes are gone, and their own records must settle it).
    static let wakeups: [UInt64] = [0, BPFSettings().wakeupBytes]

    /// Records everything while `script` runs in perl, then a little longer; returns the log read back.
    private func record(perl script: String, wakeupBytes: UInt64) throws -> [Event] {
        var settings = BPFSettings()
        settings.wakeupBytes = wakeupBytes
        settings.excludedProcess = getpid()
        let source = try BPFEventSource(settings: settings)
        defer { source.close() }
        let sink = MemorySink()
        let recorder = Recorder(source: source, sink: sink, parents: ProcParentLookup())
        let stream = StreamInfo(backend: source.backendName, host: "test", bootID: "", kernel: "",
                                proctraceVersion: ProcTraceVersion.current, recorderPid: getpid())
        try recorder.start(stream, time: Clock.realtimeNanoseconds)
        try recorder.record(snapshot: source.snapshot())

        let perl = try ChildProcess(["/usr/bin/perl", "-e", script])
        var status: Int32 = 0
        while waitpid(perl.pid, &status, WNOHANG) == 0 {
            try recorder.pump(timeoutMilliseconds: 50)
        }
        let settle = Clock.bootNanoseconds + 300_000_000
        while Clock.bootNanoseconds < settle { try recorder.pump(timeoutMilliseconds: 50) }
        try recorder.finish(time: Clock.realtimeNanoseconds)
        #expect(status == 0, "the perl scenario failed")

        let decoder = JSONLineDecoder()
        return try sink.lines.map { try decoder.decode($0) }
    }

    private func events(_ log: [Event], _ kind: EventKind, pid: Int32) -> [Event] {
        log.filter { $0.kind == kind && $0.pid == pid }
    }

    @Test(arguments: wakeups)
    func anOrphanGoesToTheSubreaperAndIsAZombieThereUntilReaped(wakeupBytes: UInt64) throws {
        // perl becomes a subreaper; its child forks a leaf and exits at once;
        // the leaf exits 7 after 0.4 s and perl reaps it 1 s later.
        let log = try record(perl: """
            syscall(157, 36, 1, 0, 0, 0) == 0 or die "prctl: $!";
            my $mid = fork() // die;
            if ($mid == 0) { my $leaf = fork() // die; if ($leaf == 0) { select(undef, undef, undef, 0.4); exit 7 } exit 0 }
            waitpid($mid, 0);
            select(undef, undef, undef, 1.4);
            waitpid(-1, 0) > 0 or die;
            """, wakeupBytes: wakeupBytes)
        let perl = try #require(log.first { $0.kind == .exec && $0.comm == Comm("perl") })
        let mid = try #require(log.first { $0.kind == .fork && $0.ppid == perl.pid })
        let leaf = try #require(log.first { $0.kind == .fork && $0.ppid == mid.pid })

        let move = try #require(events(log, .reparent, pid: leaf.pid).first)
        #expect(move.oldPpid == mid.pid)
        #expect(move.ppid == perl.pid)
        #expect(move.time == events(log, .exit, pid: mid.pid).first?.time)

        let leafExit = try #require(events(log, .exit, pid: leaf.pid).first)
        #expect(leafExit.ppid == perl.pid)
        #expect(leafExit.exitStatus?.exitCode == 7)
        let reap = try #require(events(log, .reap, pid: leaf.pid).first)
        #expect(reap.reaper == perl.pid)

        // `tree --from … --at` between the exit and the reap: a zombie under the subreaper.
        var remaining = log[...]
        let (tree, _) = try RecordedTreeBuilder.build(at: .time(leafExit.time + (reap.time - leafExit.time) / 2)) {
            remaining.popFirst()
        }
        let zombie = try #require(tree[leaf.pid])
        #expect(zombie.isZombie)
        #expect(zombie.parent === tree[perl.pid])
        remaining = log[...]
        let (after, _) = try RecordedTreeBuilder.build(at: .time(reap.time)) { remaining.popFirst() }
        #expect(after[leaf.pid] == nil)
    }

    @Test(arguments: wakeups)
    func theDoubleForkDaemonIsMovedWhereTheKernelPutIt(wakeupBytes: UInt64) throws {
        let report = "/tmp/proctrace-daemon-ppid-\(getpid())"
        defer { unlink(report) }
        // fork, setsid, fork, exit: the daemon writes down its parent once orphaned.
        let log = try record(perl: """
            use POSIX;
            my $first = fork() // die;
            if ($first == 0) {
                POSIX::setsid() or die;
                my $daemon = fork() // die;
                if ($daemon == 0) {
                    select(undef, undef, undef, 0.3);
                    open(my $out, '>', '\(report)') or die; print $out getppid(); close($out);
                    exit 0;
                }
                exit 0;
            }
            waitpid($first, 0);
            select(undef, undef, undef, 0.6);
            """, wakeupBytes: wakeupBytes)
        let kernelParent = try #require(FileIO.readSmallFile(report).flatMap { Int32(String(decoding: $0, as: UTF8.self)) })
        let perl = try #require(log.first { $0.kind == .exec && $0.comm == Comm("perl") })
        let first = try #require(log.first { $0.kind == .fork && $0.ppid == perl.pid })
        let daemon = try #require(log.first { $0.kind == .fork && $0.ppid == first.pid })
        #expect(events(log, .session, pid: first.pid).first?.session?.sid == first.pid)

        let move = try #require(events(log, .reparent, pid: daemon.pid).first)
        #expect(move.oldPpid == first.pid)
        #expect(move.ppid == kernelParent)
        #expect(events(log, .exit, pid: daemon.pid).first?.ppid == kernelParent)
    }
}
