import ProcTraceCore

/// One event of every kind with every field its kind writes filled in, and
/// helpers to turn events into log text.
public enum EventSamples {
    public static let baseTime: Int64 = 1_795_000_000_123_456_789

    public static let credentials = Credentials(uid: 1000, euid: 1000, suid: 1000, gid: 100, egid: 100, sgid: 100)

    public static func start() -> Event {
        var event = Event(kind: .start, time: baseTime)
        event.stream = StreamInfo(backend: "bpf", host: "build-01", bootID: "2f0c7b8e-1d1e-4a8e-9f55-7d3e0c9a1b22",
                                  kernel: "6.1.0-18-amd64", proctraceVersion: "0.1.0", recorderPid: 999)
        return event
    }

    public static func process(_ kind: EventKind, pid: Int32 = 4242, ppid: Int32 = 1, comm: String = "bash",
                               at offset: Int64 = 0) -> Event {
        var event = Event(kind: kind, time: baseTime + offset, pid: pid, ppid: ppid, startTime: 5_000_000_000 + UInt64(pid))
        event.comm = Comm(comm)
        return event
    }

    public static let containerID = "4f3c2b1a09e8d7c6b5a4938271605f4e3d2c1b0a99887766554433221100ffee"

    /// A context with every field known (auid and audit session unset, no terminal).
    public static func context(cwd: String, exe: String, cgroup: String) -> ProcessContext {
        var context = ProcessContext()
        context.cwd = Array(cwd.utf8)
        context.exe = Array(exe.utf8)
        context.exeInode = 1_835_017
        context.exeDevice = DeviceNumber(major: 259, minor: 2)
        context.exeSHA256 = SHA256Digest(bytes: (0..<32).map { UInt8($0 &* 7 &+ 1) })
        context.setCgroup(Array(cgroup.utf8))
        context.pidns = 4_026_531_836
        context.mntns = 4_026_531_841
        context.netns = 4_026_531_840
        context.userns = 4_026_531_837
        return context
    }

    /// Every kind once, each with the fields its kind carries.
    public static func everyKind() -> [Event] {
        var events: [Event] = [start()]

        var exists = process(.exists, pid: 1, ppid: 0, comm: "systemd")
        exists.state = UInt8(ascii: "S")
        exists.filename = Array("/usr/lib/systemd/systemd".utf8)
        exists.argv = ArgumentVector(strings: ["/sbin/init", "splash"])
        exists.credentials = .root
        exists.session = SessionIDs(sid: 1, pgid: 1)
        exists.context = context(cwd: "/", exe: "/usr/lib/systemd/systemd", cgroup: "/init.scope")
        events.append(exists)

        var zombie = process(.exists, pid: 77, ppid: 1, comm: "defunct")
        zombie.state = UInt8(ascii: "Z")
        zombie.exitStatus = WaitStatus(exitCode: 3)
        zombie.unavailable = [.filename, .argv]
        events.append(zombie)

        var kthread = process(.exists, pid: 2, ppid: 0, comm: "kthreadd")
        kthread.isKernelThread = true
        events.append(kthread)

        var fork = process(.fork, pid: 4243, ppid: 4242)
        var forkContext = context(cwd: "/srv", exe: "/usr/bin/bash", cgroup: "/system.slice/docker-\(containerID).scope")
        forkContext.nspid = 7
        fork.context = forkContext
        events.append(fork)

        var exec = process(.exec, pid: 4243, ppid: 4242, comm: "ls")
        exec.filename = Array("/usr/bin/ls".utf8)
        exec.argv = ArgumentVector(strings: ["ls", "-l", "", "with space"])
        exec.credentials = credentials
        exec.oldPid = 4250
        var execContext = context(cwd: "/srv/with space/bad\u{1b}dir", exe: "/usr/bin/ls",
                                  cgroup: "/system.slice/docker-\(containerID).scope")
        execContext.auid = 1000
        execContext.auditSession = 3
        execContext.tty = Array("pts/3".utf8)
        execContext.nspid = 7
        exec.context = execContext
        events.append(exec)

        var truncated = process(.exec, pid: 4244, ppid: 4242, comm: "xargs")
        truncated.argv = ArgumentVector(strings: ["xargs", "a"])
        truncated.argvTruncated = true
        truncated.unavailable = [.filename, .exeSHA256]
        var unread = context(cwd: "/tmp", exe: "/usr/bin/xargs", cgroup: "/user.slice")
        unread.exeSHA256 = nil
        truncated.context = unread
        events.append(truncated)

        var exited = process(.exit, pid: 4243, ppid: 4242, comm: "ls", at: 1_000_000)
        exited.exitStatus = WaitStatus(exitCode: 42)
        exited.durationNs = 1_000_000
        events.append(exited)

        var killed = process(.exit, pid: 4244, ppid: 4242, comm: "xargs", at: 2_000_000)
        killed.exitStatus = WaitStatus(signal: 11, coreDumped: true)
        events.append(killed)

        var reaped = process(.reap, pid: 4243, ppid: 4242, comm: "ls", at: 3_000_000)
        reaped.reaper = 4242
        reaped.reapReason = .wait
        events.append(reaped)

        var freed = process(.reap, pid: 4244, ppid: 4242, comm: "xargs", at: 4_000_000)
        freed.reapReason = .freed
        events.append(freed)

        var threadStart = process(.threadStart, pid: 4242)
        threadStart.tid = 4260
        events.append(threadStart)
        var threadExit = process(.threadExit, pid: 4242)
        threadExit.tid = 4260
        events.append(threadExit)

        events.append(process(.comm, pid: 4242, comm: "renamed"))

        var cred = process(.cred, pid: 4242)
        cred.credentials = Credentials(uid: 0, euid: 0, suid: 0, gid: 0, egid: 0, sgid: 4_294_967_294)
        events.append(cred)

        var session = process(.session, pid: 4242)
        session.session = SessionIDs(sid: 4242, pgid: 4242)
        events.append(session)

        var failed = process(.execFailed, pid: 4242, comm: "bash", at: 4_500_000)
        failed.filename = Array("/no/such file".utf8)
        failed.argv = ArgumentVector(strings: ["such", "x\ny"])
        failed.errorNumber = 2
        events.append(failed)

        var reparent = process(.reparent, pid: 4245, ppid: 1, comm: "orphan")
        reparent.oldPpid = 4242
        events.append(reparent)

        var lost = Event(kind: .lost, time: baseTime + 5_000_000)
        lost.lostCount = 17
        events.append(lost)
        var lostUnknown = Event(kind: .lost, time: baseTime + 5_000_001)
        lostUnknown.lostCount = nil
        events.append(lostUnknown)

        var resync = Event(kind: .resync, time: baseTime + 6_000_000)
        resync.processCount = 312
        events.append(resync)

        var user = Event(kind: .user, time: baseTime + 6_500_000)
        user.user = UserName(uid: 1000, name: Array("al\u{1b}ice".utf8))
        events.append(user)
        var nameless = Event(kind: .user, time: baseTime + 6_500_001)
        nameless.user = UserName(uid: 4_000_000, name: nil)
        events.append(nameless)

        var alert = Event(kind: .alert, time: baseTime + 6_600_000, pid: 4242, startTime: 1_000_000)
        alert.alert = AlertInfo(
            ruleID: "0d3d4a8e-0000-4000-8000-000000000001", title: "Hostile \"title\"\n", level: "high",
            tags: ["attack.t1059"], execSeq: 7,
            ancestry: [SigmaAncestor(pid: 1, startTime: 10, image: Array("/usr/lib/systemd/systemd".utf8),
                                     argv: ArgumentVector(strings: ["/sbin/init", "splash"]), known: true),
                       SigmaAncestor(pid: 0, startTime: 0, image: nil, argv: nil, known: false)])
        events.append(alert)

        var stop = Event(kind: .stop, time: baseTime + 7_000_000)
        stop.eventCount = 21
        stop.lostCount = 17
        stop.unwrittenCount = 2
        events.append(stop)

        for index in events.indices { events[index].seq = UInt64(index) }
        return events
    }

    /// The bytes JSONLineEncoder writes for `events`.
    public static func logText(_ events: [Event]) -> [UInt8] {
        let buffer = ByteBuffer()
        let encoder = JSONLineEncoder()
        for event in events { encoder.append(event, to: buffer) }
        return buffer.array
    }

    /// One encoded line without its newline.
    public static func line(_ event: Event) -> [UInt8] {
        Array(logText([event]).dropLast())
    }
}
