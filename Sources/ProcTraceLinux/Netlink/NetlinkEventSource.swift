#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// The netlink backend: the kernel's proc connector (NETLINK_CONNECTOR),
/// for where BPF cannot load. The connector says only which task did what;
/// the rest (argv, filename, credentials, comm, start time) is read from /proc
/// when the message is handled, through a /proc/PID directory checked against
/// the process's known start time, so a recycled PID never lends its values.
/// docs/netlink.md lists what this backend provides and what it cannot.
public final class NetlinkEventSource: EventSource {
    public let backendName = "netlink"
    public private(set) var counters = SourceCounters()

    /// What is known of a live or zombie process.
    private struct KnownProcess {
        var startTime: UInt64
        var ppid: Int32
        /// nil once unknown (an exec proctrace could not read): never the stale name.
        var comm: Comm?
        /// The real ids last seen (from /proc or a uid/gid event); nil: unknown.
        var realUID: UInt32?
        var realGID: UInt32?

        init(startTime: UInt64, ppid: Int32, comm: Comm?, credentials: Credentials?) {
            self.startTime = startTime
            self.ppid = ppid
            self.comm = comm
            realUID = credentials?.uid
            realGID = credentials?.gid
        }
    }

    /// Tickets of `cred` records that may be an exec's own change, waiting
    /// for their process's next event (SetIDExecCheck): its exec arms them,
    /// anything else settles them. At most one uid and one gid record each:
    /// an exec's commit sends at most one of each, the last before its exec.
    private var suspects: [Int32: (uid: UInt32, gid: UInt32)] = [:]

    private var socket: NetlinkSocket?
    private let settings: NetlinkSettings
    private let procFS: ProcFS
    private let contextReader: ProcessContextReader
    /// exe_sha256, hashed off the draining thread.
    public let hashes: HashWorkerPool
    /// argv and the executable's identity, read off the draining thread.
    public let reads: ProcessReadPool
    public var enricher: EventEnricher? { reads }
    private let parser = ProcConnectorParser()
    private var exits = ProcessExitTracker(rule: HostInfo.groupStatusRule)
    private var processes: [Int32: KnownProcess] = [:]
    private var zombies = ZombieWatch()
    private var lastReapCheck: Int64 = 0
    private var awaitedReaps: [Int32] = []
    private var resyncPending = false
    private var lastResync: Int64 = .min
    /// Added to the connector's CLOCK_MONOTONIC timestamps.
    private let monotonicToEpoch: Int64
    private let monotonicToBoot: Int64
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    /// Events of the datagram being handled, delivered in order after it.
    private var ready: [Event] = []

    /// Starts listening: events from now on are queued in the socket until polled.
    public init(settings: NetlinkSettings = NetlinkSettings(), procFS: ProcFS = ProcFS()) throws {
        self.settings = settings
        self.procFS = procFS
        hashes = HashWorkerPool(settings: HashWorkerPool.Settings(maxBytes: settings.hashMaxBytes))
        reads = ProcessReadPool(hashes: hashes.isEnabled ? hashes : nil)
        contextReader = ProcessContextReader(statsExecutable: false)
        do {
            socket = try NetlinkSocket(receiveBufferBytes: settings.receiveBufferBytes)
        } catch {
            throw NetlinkPermissionError.naming(error, effective: ProcessCapabilities.read()?.effective)
        }
        monotonicToEpoch = Clock.offset(from: CLOCK_MONOTONIC, to: CLOCK_REALTIME)
        monotonicToBoot = Clock.offset(from: CLOCK_MONOTONIC, to: CLOCK_BOOTTIME)
        receiveBuffer = .allocate(byteCount: 64 * 1024, alignment: 8)
    }

    deinit {
        close()
        receiveBuffer.deallocate()
    }

    public func close() {
        socket?.close()
        socket = nil
        reads.stop()
    }

    /// The receive buffer the kernel granted, in bytes.
    public var receiveBufferBytes: Int { socket?.receiveBufferBytes ?? 0 }

    // MARK: Snapshot

    public func snapshot() throws -> [Event] {
        readProc().processes
    }

    /// Replaces what is known with what /proc shows now.
    private func readProc() -> ProcSnapshot {
        let snapshot = ProcSnapshot.read(procFS, time: Clock.realtimeNanoseconds,
                                         maxArgumentBytes: settings.maxArgumentBytes,
                                         excluding: settings.excludedProcess, context: contextReader, reads: reads)
        processes.removeAll(keepingCapacity: true)
        for pid in Array(suspects.keys) { settleSuspects(of: pid) }
        exits.removeAll()
        zombies.removeAll()
        for event in snapshot.processes {
            processes[event.pid] = KnownProcess(startTime: event.startTime, ppid: event.ppid,
                                                comm: event.unavailable.contains(.comm) ? nil : event.comm,
                                                credentials: event.credentials)
            if event.state == UInt8(ascii: "Z") {
                zombies.add(pid: event.pid, startTime: event.startTime)
            }
        }
        for (pid, threads) in snapshot.threadsByProcess {
            exits.setThreads(threads, of: pid)
        }
        return snapshot
    }

    // MARK: Polling

    public func poll(timeoutMilliseconds: Int32, deliver: (inout Event) -> Void) throws -> Int {
        guard let socket else { return 0 }
        var delivered = try drain(socket, deliver)
        delivered += inferReaps(deliver)
        if delivered == 0 && timeoutMilliseconds != 0 {
            var wait = timeoutMilliseconds
            if !zombies.isEmpty && (wait < 0 || wait > settings.reapCheckIntervalMilliseconds) {
                wait = settings.reapCheckIntervalMilliseconds
            }
            if resyncPending && (wait < 0 || wait > settings.minimumResyncIntervalMilliseconds) {
                wait = settings.minimumResyncIntervalMilliseconds
            }
            try socket.waitUntilReadable(timeoutMilliseconds: wait)
            delivered += try drain(socket, deliver)
            delivered += inferReaps(deliver)
        }
        return delivered + resynchroniseIfDue(deliver)
    }

    /// Reads the socket until it is empty (or the round's bound), then
    /// delivers: a record read from /proc after a later event (a rename) is
    /// corrected by that event, which is in the socket by then.
    private func drain(_ socket: NetlinkSocket, _ deliver: (inout Event) -> Void) throws -> Int {
        var delivered = 0
        defer { delivered += deliverReady(deliver) }
        for _ in 0..<settings.maxDatagramsPerPoll {
            switch try socket.receive(into: receiveBuffer) {
            case .empty:
                return delivered
            case .foreign:
                continue
            case .overrun:
                delivered += deliverReady(deliver)
                var lost = Event(kind: .lost, time: Clock.realtimeNanoseconds)
                lost.lostCount = nil
                deliver(&lost)
                delivered += 1
                resyncPending = true
                delivered += resynchroniseIfDue(deliver)
            case .datagram(let length):
                let datagram = UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<min(length, receiveBuffer.count)])
                let counts = parser.parse(datagram) { handle($0) }
                counters.received += UInt64(counts.events)
                counters.malformed += UInt64(counts.malformed)
            }
        }
        return delivered
    }

    private func deliverReady(_ deliver: (inout Event) -> Void) -> Int {
        for index in ready.indices { deliver(&ready[index]) }
        defer { ready.removeAll(keepingCapacity: true) }
        return ready.count
    }

    /// The socket overflowed (an unknown number of events is gone, already
    /// reported as `lost`): reports every process anew from /proc, unless that
    /// was done less than the minimum interval ago.
    private func resynchroniseIfDue(_ deliver: (inout Event) -> Void) -> Int {
        guard resyncPending else { return 0 }
        let now = Clock.monotonicNanoseconds
        guard lastResync == .min || now - lastResync >= Int64(settings.minimumResyncIntervalMilliseconds) * 1_000_000
        else { return 0 }
        resyncPending = false
        lastResync = now
        var snapshot = readProc()
        var resync = Event(kind: .resync, time: Clock.realtimeNanoseconds)
        resync.processCount = UInt64(snapshot.processes.count)
        deliver(&resync)
        for index in snapshot.processes.indices { deliver(&snapshot.processes[index]) }
        return 1 + snapshot.processes.count
    }

    /// The recorder's stop waits for these: looked at on the next poll, ahead
    /// of the others (a round takes 64 in turn, and thousands of zombies a
    /// parent never waits for would put them a second or more behind).
    public func lookForReaps(of processes: [ProcessID]) {
        awaitedReaps = processes.map(\.pid)
    }

    private func inferReaps(_ deliver: (inout Event) -> Void) -> Int {
        guard !zombies.isEmpty else { return 0 }
        let now = Clock.monotonicNanoseconds
        let reaped: [ProcessID]
        if !awaitedReaps.isEmpty {
            reaped = zombies.reaped(among: awaitedReaps, in: procFS)
            awaitedReaps.removeAll()
        } else {
            guard now - lastReapCheck >= Int64(settings.reapCheckIntervalMilliseconds) * 1_000_000 else { return 0 }
            lastReapCheck = now
            reaped = zombies.reaped(checking: settings.reapChecksPerRound, in: procFS)
        }
        for process in reaped {
            var event = reapEvent(process, reason: .inferred, time: now + monotonicToEpoch)
            deliver(&event)
        }
        return reaped.count
    }

    // MARK: From connector events to records

    private func handle(_ event: ProcConnectorEvent) {
        let time = Int64(bitPattern: event.timestamp) &+ monotonicToEpoch
        if !suspects.isEmpty { settleSuspects(before: event) }
        switch event.detail {
        case .fork(let parent, let child):
            guard child.tgid != settings.excludedProcess else { return }
            guard child.isLeader else { return exits.threadStarted(child) }
            handleFork(child: child.tgid, parent: parent.tgid, event: event, time: time)
        case .exec(let task):
            guard task.tgid != settings.excludedProcess else { return }
            exits.processExecuted(task.tgid)
            handleExec(pid: task.tgid, event: event, time: time)
        case .uid(let task, let real, let effective), .gid(let task, let real, let effective):
            guard task.isLeader, task.tgid != settings.excludedProcess else { return }
            var record = processEvent(.cred, pid: task.tgid, event: event, time: time)
            // The event carries the real and effective ids it reports; /proc shows the rest only if it
            // still holds those (else it shows a later state, and mixing the two would invent one).
            if let credentials = openKnown(task.tgid)?.directory.credentials(), credentials.agrees(with: event.detail) {
                record.credentials = credentials
            } else {
                record.unavailable.insert(.credentials)
            }
            var isGroup = false
            if case .gid = event.detail { isGroup = true }
            suspectExecChange(&record, check: SetIDExecCheck(group: isGroup, effectiveID: effective), real: real)
            ready.append(record)
        case .sid(let task):
            guard task.isLeader, task.tgid != settings.excludedProcess else { return }
            var record = processEvent(.session, pid: task.tgid, event: event, time: time)
            // setsid() makes the caller leader of a new session and process group.
            record.session = SessionIDs(sid: task.tgid, pgid: task.tgid)
            ready.append(record)
        case .comm(let task, let comm):
            guard task.isLeader, task.tgid != settings.excludedProcess else { return }
            processes[task.tgid]?.comm = comm
            forgetLaterName(comm, of: task.tgid)
            var record = processEvent(.comm, pid: task.tgid, event: event, time: time)
            record.comm = comm
            ready.append(record)
        case .exit(let task, let exitCode, _, let parent):
            guard task.tgid != settings.excludedProcess,
                let ended = exits.taskExited(task, exitCode: exitCode, parent: parent, timestamp: event.timestamp)
            else { return }
            handleExit(ended, event: event, time: time)
        case .acknowledgement, .ptrace, .coredump:
            // No record of their own: a core dump shows in the exit status
            // (core_dumped), which also tells whether a core was written.
            break
        }
    }

    private func handleFork(child pid: Int32, parent: Int32, event: ProcConnectorEvent, time: Int64) {
        exits.processStarted(pid)
        // The PID was free for this fork, so the zombie that held it was released before.
        if let zombieStart = zombies.remove(pid: pid) {
            ready.append(reapEvent(ProcessID(pid: pid, startTime: zombieStart), reason: .recycled, time: time))
        }
        var record = Event(kind: .fork, time: time, pid: pid, ppid: parent)
        let bootTime = bootNanoseconds(event)
        // The connector stamps the fork with the clock of the CPU that sent it, which may run behind the
        // one that set the child's start time (1.75 s apart seen on a VM): a child of this parent started
        // within that skew is this fork's, not a recycled PID's.
        if let directory = ProcessDirectory(procFS, pid: pid), let stat = directory.stat(),
            stat.startTimeApproximate <= bootTime + ProcStat.nanosecondsPerTick
                || (stat.ppid == parent && stat.startTimeApproximate <= bootTime + NetlinkEventSource.clockSkewAllowance)
        {
            record.startTime = stat.startTimeApproximate
            record.comm = Comm(stat.comm)
            record.session = SessionIDs(sid: stat.session, pgid: stat.pgrp)
            let status = directory.status()
            record.credentials = status.flatMap(ProcFS.credentials(fromStatus:))
            contextReader.read(directory, stat: stat, status: status, extent: .fork, into: &record)
        } else {
            // Gone already: the fork's own time, to the same tick precision.
            record.startTime = bootTime / ProcStat.nanosecondsPerTick * ProcStat.nanosecondsPerTick
            if let parentComm = processes[parent]?.comm ?? nil {
                record.comm = parentComm
            } else {
                record.unavailable.insert(.comm)
            }
            record.context = ProcessContext()
            record.unavailable.formUnion(UnavailableFields.context.subtracting(.execOnlyContext))
        }
        if record.credentials == nil { record.unavailable.insert(.credentials) }
        processes[pid] = KnownProcess(startTime: record.startTime, ppid: parent,
                                      comm: record.unavailable.contains(.comm) ? nil : record.comm,
                                      credentials: record.credentials)
        ready.append(record)
    }

    private func handleExec(pid: Int32, event: ProcConnectorEvent, time: Int64) {
        var record = processEvent(.exec, pid: pid, event: event, time: time)
        guard let (directory, stat) = openKnown(pid) else {
            // Gone (or its PID reused) before /proc could be read: the new
            // program's name is unknown, and so is it for this lifetime's
            // later records until a rename says it.
            record.comm = Comm()
            record.unavailable.formUnion([.filename, .argv, .credentials, .comm])
            record.context = ProcessContext()
            record.unavailable.formUnion(.context)
            processes[pid]?.comm = nil
            settleSuspects(of: pid)
            ready.append(record)
            return
        }
        record.startTime = stat.startTimeApproximate
        record.ppid = stat.ppid
        record.comm = Comm(stat.comm)
        record.session = SessionIDs(sid: stat.session, pgid: stat.pgrp)
        // The exe link before the ids: a program it exec'd next (after any set*id) is then not
        // charged to the ids it had before (a reader checks the link is unchanged before its stat).
        let exe = FileIO.readLink(at: directory.fd, "exe")
        let status = directory.status()
        if let credentials = status.flatMap(ProcFS.credentials(fromStatus:)) {
            record.credentials = credentials
        } else {
            record.unavailable.insert(.credentials)
        }
        // First what the process can make block (its arguments, its executable's stat), handed to a
        // reader now: a short-lived program is gone soon, and the rest below is read meanwhile.
        reads.submit(ProcessReadPool.Request(pid: pid, startTime: stat.startTimeApproximate,
                                             uid: record.credentials?.uid ?? UInt32.max,
                                             argumentLimit: settings.maxArgumentBytes, executable: !stat.isKernelThread),
                     exePath: exe, directory: directory, into: &record)
        if let exe { record.filename = ProcFS.withoutDeletedSuffix(exe) } else { record.unavailable.insert(.filename) }
        if let tickets = suspects.removeValue(forKey: pid) {
            for ticket in [tickets.uid, tickets.gid] where ticket != 0 { reads.arm(ticket, exePath: exe, directory: directory) }
        }
        contextReader.read(directory, stat: stat, status: status, extent: .full, into: &record)
        processes[pid] = KnownProcess(startTime: record.startTime, ppid: record.ppid, comm: record.comm,
                                      credentials: record.credentials)
        ready.append(record)
    }

    private func handleExit(_ ended: ProcessExitTracker.ProcessExit, event: ProcConnectorEvent, time: Int64) {
        settleSuspects(of: ended.pid)
        var record = processEvent(.exit, pid: ended.pid, event: event, time: time)
        if ended.parent != 0 { record.ppid = ended.parent }
        record.exitStatus = ended.status
        let bootTime = bootNanoseconds(event)
        if record.startTime != 0 && bootTime >= record.startTime {
            record.durationNs = bootTime - record.startTime
        }
        ready.append(record)
        if ended.released {
            // Released before the connector reported the exit: by autoreap if
            // the parent ignores SIGCHLD, else by a wait that came that fast.
            let autoreaped = record.ppid != 0 && ProcFS().ignoresChildSignals(record.ppid) == true
            var reap = reapEvent(record.processID, reason: autoreaped ? .autoreap : .inferred, time: time)
            reap.reaper = record.ppid == 0 ? nil : record.ppid
            ready.append(reap)
            processes[ended.pid] = nil
        } else {
            zombies.add(pid: ended.pid, startTime: record.startTime)
        }
    }

    // MARK: A set-uid exec's own uid and gid events

    /// A uid or gid event that kept the process's real id may be its exec's
    /// own change: the record waits (a ticket) for the process's next event.
    private func suspectExecChange(_ record: inout Event, check: SetIDExecCheck, real: UInt32) {
        let pid = record.pid
        guard var known = processes[pid] else { return }
        let realBefore = check.group ? known.realGID : known.realUID
        if check.group { known.realGID = real } else { known.realUID = real }
        processes[pid] = known
        // A later uid (gid) event: the earlier one was not the exec's.
        var tickets = suspects[pid] ?? (0, 0)
        let earlier = check.group ? tickets.gid : tickets.uid
        if earlier != 0 { reads.settle(earlier) }
        if check.group { tickets.gid = 0 } else { tickets.uid = 0 }
        var request = ProcessReadPool.Request(pid: pid, startTime: known.startTime, uid: known.realUID ?? real,
                                              argumentLimit: nil, executable: false)
        request.setIDExec = check
        if realBefore == real, reads.reserve(request, into: &record) {
            if check.group { tickets.gid = record.enrichmentTicket } else { tickets.uid = record.enrichmentTicket }
        }
        if tickets.uid == 0 && tickets.gid == 0 { suspects[pid] = nil } else { suspects[pid] = tickets }
    }

    /// Anything a process does but a uid, gid or exec event (a fork, a
    /// rename, setsid, its end) shows its waiting records were not its exec's.
    /// A thread's exit is no sign: an exec's other threads may be reported
    /// after its commit.
    private func settleSuspects(before event: ProcConnectorEvent) {
        switch event.detail {
        case .fork(let parent, let child):
            // A new thread's parent is its process's parent: the thread is the sign. A new
            // process settles its PID's (recycled) and its parent's.
            settleSuspects(of: child.tgid)
            if child.isLeader { settleSuspects(of: parent.tgid) }
        case .sid(let task), .comm(let task, _), .ptrace(let task, _), .coredump(let task, _):
            settleSuspects(of: task.tgid)
        case .exec, .uid, .gid, .exit, .acknowledgement:
            break
        }
    }

    private func settleSuspects(of pid: Int32) {
        guard let tickets = suspects.removeValue(forKey: pid) else { return }
        for ticket in [tickets.uid, tickets.gid] where ticket != 0 { reads.settle(ticket) }
    }

    /// An exec record not yet delivered that shows the name `comm` was read
    /// after this rename: the name the exec gave is unknown (null), never the later one.
    private func forgetLaterName(_ comm: Comm, of pid: Int32) {
        guard let index = ready.lastIndex(where: { $0.pid == pid && $0.kind == .exec }), ready[index].comm == comm,
              !ready[index].unavailable.contains(.comm)
        else { return }
        ready[index].comm = Comm()
        ready[index].unavailable.insert(.comm)
    }

    /// A record about `pid` with what is known of it.
    private func processEvent(_ kind: EventKind, pid: Int32, event: ProcConnectorEvent, time: Int64) -> Event {
        var record = Event(kind: kind, time: time, pid: pid)
        if let known = processes[pid] {
            record.startTime = known.startTime
            record.ppid = known.ppid
            if let comm = known.comm { record.comm = comm } else { record.unavailable.insert(.comm) }
        } else {
            record.unavailable.insert(.startTime)
        }
        return record
    }

    private func reapEvent(_ process: ProcessID, reason: ReapReason, time: Int64) -> Event {
        var event = Event(kind: .reap, time: time, pid: process.pid, startTime: process.startTime)
        event.reapReason = reason
        if let known = processes[process.pid], known.startTime == process.startTime {
            if let comm = known.comm { event.comm = comm } else { event.unavailable.insert(.comm) }
            processes[process.pid] = nil
        }
        return event
    }

    /// /proc/PID, when it still holds the process proctrace knows under that
    /// PID (any process, when none is known).
    private func openKnown(_ pid: Int32) -> (directory: ProcessDirectory, stat: ProcStat)? {
        guard let directory = ProcessDirectory(procFS, pid: pid), let stat = directory.stat() else { return nil }
        if let known = processes[pid], known.startTime != stat.startTimeApproximate { return nil }
        return (directory, stat)
    }

    /// How far apart two CPUs' clocks may be (see handleFork).
    static let clockSkewAllowance: UInt64 = 3_000_000_000

    private func bootNanoseconds(_ event: ProcConnectorEvent) -> UInt64 {
        UInt64(clamping: Int64(bitPattern: event.timestamp) &+ monotonicToBoot)
    }
}

extension Credentials {
    /// Whether these ids (read from /proc) hold the real and effective ids a
    /// connector uid or gid event reported.
    func agrees(with detail: ProcConnectorEvent.Detail) -> Bool {
        switch detail {
        case .uid(_, let real, let effective): uid == real && euid == effective
        case .gid(_, let real, let effective): gid == real && egid == effective
        default: true
        }
    }
}
