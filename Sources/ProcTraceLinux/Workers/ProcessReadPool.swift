#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// The /proc reads a record needs that the process itself can make block,
/// off the thread that drains the kernel: its arguments (reading
/// /proc/PID/cmdline takes the process's memory-map lock, which a process can
/// keep taken behind a fault on a file that never answers) and its
/// executable's identity (`stat` of /proc/PID/exe asks the file's
/// filesystem). The worker opens /proc/PID and reads through that directory
/// only if its start time is the one the draining thread saw, so what is read
/// belongs to that process or to none; the record waits in the recorder with
/// a ticket. A read that stays stuck
/// is abandoned with its thread, that user's processes are no longer read
/// (a `warning` says so), and a new thread takes over. Then the executable's
/// hash, if it is not cached, goes on in the hash pool under the same record.
public final class ProcessReadPool: EventEnricher, Sendable {
    public struct Settings: Sendable {
        /// One user runs at most all but one of them at once, so a user whose
        /// processes block their reads never holds up everyone else's.
        public var workers = 3
        /// Reads waiting at most, per user and in all (a start snapshot queues
        /// one per running process); past that, not read.
        public var perUserQueue = 16_384
        public var queue = 65_536
        /// A read that has not returned for this long counts as stuck.
        public var stallNanoseconds: Int64 = 2_000_000_000
        public var replacements = 4
        public var procRoot = "/proc"
        /// Queued requests that may hold their /proc/PID open (one descriptor each).
        public var heldDirectories = 256
        public init() {}
    }

    /// What to read for one record.
    public struct Request: Sendable {
        public var pid: Int32
        /// Its start time as /proc/PID/stat gave it (clock-tick precision).
        public var startTime: UInt64
        /// Whose turn it uses (the real uid).
        public var uid: UInt32
        /// Read the arguments, keeping this many bytes (nil: not asked).
        public var argumentLimit: Int?
        /// `stat` /proc/PID/exe for exe_inode and exe_device, then look up its hash.
        public var executable: Bool
        /// A hash the record already waits for (the kernel gave the file's identity).
        public var pendingHash: UInt32 = 0
        /// A netlink `cred` record that may be a set-uid (set-gid) exec's own
        /// change: the exec'd file is looked at instead (SetIDExecCheck).
        public var setIDExec: SetIDExecCheck?

        public init(pid: Int32, startTime: UInt64, uid: UInt32, argumentLimit: Int?, executable: Bool,
                    pendingHash: UInt32 = 0) {
            self.pid = pid
            self.startTime = startTime
            self.uid = uid
            self.argumentLimit = argumentLimit
            self.executable = executable
            self.pendingHash = pendingHash
        }
    }

    private struct Job {
        let ticket: UInt32
        let request: Request
        let exePath: [UInt8]?
        /// /proc/PID as the draining thread opened it (nil: opened again by
        /// pid and start time): no second open, no `stat` to check it.
        let directory: ProcessDirectory?
    }

    private struct Outcome {
        var arguments: [UInt8]?
        var executable: ExecutableIdentity?
        var lookup: ExecutableDigestLookup?
        var stalled = false
        /// The record says nothing the exec after it does not (SetIDExecCheck).
        var withdraw = false
    }

    private struct Worker {
        var job: Job?
        var startedAt: Int64 = 0
        var busy = false
        var abandoned = false
        var capabilityGeneration = 0
    }

    private struct State {
        var jobs: FairJobQueue<Job>
        var requests: [UInt32: Request] = [:]
        var results: [UInt32: Outcome] = [:]
        /// Arguments read by a job whose `stat` is still running: kept if the job never ends.
        var arguments: [UInt32: [UInt8]] = [:]
        var forgotten: Set<UInt32> = []
        var workers: [Worker] = []
        var stalledUsers: Set<UInt32> = []
        var warnings: [Event] = []
        var skipped = HashSkipCounts()
        var abandoned: UInt64 = 0
        var nextTicket: UInt32 = 1
        /// Queued requests holding a /proc/PID directory open.
        var heldDirectories = 0
        var stopping = false
        /// Workers end once nothing is queued (a source that reads only its start snapshot).
        var retiring = false
        var capabilityLimit = CapabilitySet.empty
        var capabilityGeneration = 0
        var replacementsLeft: Int
        var nextStallCheck: Int64 = 0
    }

    /// The readers' nice value: ahead of the programs they read (an unprivileged
    /// recorder cannot raise it, and keeps its own).
    static let workerNice: Int32 = -10

    /// Tickets of reads have this bit; the hash pool's never do.
    static let ticketBit: UInt32 = 1 << 31

    public let settings: Settings
    /// The executables' hashes; nil: exe_sha256 is unavailable.
    public let hashes: HashWorkerPool?
    private let clock: @Sendable () -> Int64
    /// Workers wait on its condition for a job; queuing one signals it.
    private let state: ConditionLock<State>

    public init(settings: Settings = Settings(), hashes: HashWorkerPool?,
                clock: @escaping @Sendable () -> Int64 = { Clock.monotonicNanoseconds }) {
        self.settings = settings
        self.hashes = hashes
        self.clock = clock
        state = ConditionLock(State(jobs: FairJobQueue(perUser: settings.perUserQueue, total: settings.queue),
                            replacementsLeft: settings.replacements))
        for _ in 0..<max(settings.workers, 1) { state.withLock { startWorker(locked: &$0) } }
    }

    // MARK: - The draining thread's side: a dup and a lock, never a read.

    /// Hands `request` to a worker and leaves `event` waiting for it, or
    /// says at once what will stay unknown.
    /// `directory`, when given, is /proc/PID as the caller opened (and
    /// checked) it; it is kept open while queued, for at most
    /// `Settings.heldDirectories` requests at a time.
    public func submit(_ request: Request, exePath: [UInt8]?, directory: ProcessDirectory? = nil, into event: inout Event) {
        let queued = state.withLock { state -> Result<UInt32, HashSkipError> in
            guard !state.stalledUsers.contains(request.uid) else { return .failure(HashSkipError(.processStalled)) }
            let ticket = state.nextTicket | ProcessReadPool.ticketBit
            let held = state.heldDirectories < settings.heldDirectories ? directory : nil
            guard state.jobs.append(Job(ticket: ticket, request: request, exePath: exePath, directory: held), for: request.uid)
            else { return .failure(HashSkipError(.queueFull)) }
            if held != nil { state.heldDirectories += 1 }
            state.requests[ticket] = request
            state.nextTicket = state.nextTicket & ~ProcessReadPool.ticketBit == ProcessReadPool.ticketBit - 1 ? 1 : state.nextTicket + 1
            self.state.signal()
            return .success(ticket)
        }
        switch queued {
        case .success(let ticket): event.enrichmentTicket = ticket
        case .failure(let skip): finish(request, executableReason: skip.reason, givingUpHash: false, of: &event)
        }
    }

    /// Leaves `event` waiting for a read whose subject is not known yet:
    /// `arm` gives it one, `settle` ends it with nothing to read. False: no
    /// wait (that user's reads stopped; the record goes on as it is).
    public func reserve(_ request: Request, into event: inout Event) -> Bool {
        let ticket = state.withLock { state -> UInt32? in
            guard !state.stalledUsers.contains(request.uid) else { return nil }
            let ticket = state.nextTicket | ProcessReadPool.ticketBit
            state.requests[ticket] = request
            state.nextTicket = state.nextTicket & ~ProcessReadPool.ticketBit == ProcessReadPool.ticketBit - 1 ? 1 : state.nextTicket + 1
            return ticket
        }
        guard let ticket else { return false }
        event.enrichmentTicket = ticket
        return true
    }

    /// Queues the read a `reserve`d ticket waits for, through `directory`
    /// (checked by the caller) while its exe link is still `exePath`.
    public func arm(_ ticket: UInt32, exePath: [UInt8]?, directory: ProcessDirectory?) {
        state.withLock { state in
            guard let request = state.requests[ticket] else {
                state.forgotten.remove(ticket)
                return
            }
            let held = state.heldDirectories < settings.heldDirectories ? directory : nil
            guard state.jobs.append(Job(ticket: ticket, request: request, exePath: exePath, directory: held), for: request.uid)
            else { return deliver(Outcome(), ticket: ticket, &state) }
            if held != nil { state.heldDirectories += 1 }
            self.state.signal()
        }
    }

    /// Ends a `reserve`d ticket's wait with nothing read: the record goes on as it is.
    public func settle(_ ticket: UInt32) {
        state.withLock { state in
            guard state.requests[ticket] != nil else {
                state.forgotten.remove(ticket)
                return
            }
            deliver(Outcome(), ticket: ticket, &state)
        }
    }

    // MARK: - EventEnricher

    public func complete(_ event: inout Event) -> Bool {
        let ticket = event.enrichmentTicket
        guard ticket & ProcessReadPool.ticketBit != 0 else { return hashes?.complete(&event) ?? true }
        guard let (request, outcome) = state.withLock({ state -> (Request, Outcome)? in
            guard let outcome = state.results.removeValue(forKey: ticket) else { return nil }
            return state.requests.removeValue(forKey: ticket).map { ($0, outcome) }
        }) else { return false }
        apply(outcome, of: request, to: &event)
        return event.enrichmentTicket == 0 || (hashes?.complete(&event) ?? true)
    }

    public func giveUp(_ event: inout Event, because reason: HashSkipReason) {
        let ticket = event.enrichmentTicket
        guard ticket & ProcessReadPool.ticketBit != 0 else {
            hashes?.giveUp(&event, because: reason)
            return
        }
        guard let (request, arguments) = state.withLock({ state -> (Request, [UInt8]?)? in
            if state.results.removeValue(forKey: ticket) == nil { state.forgotten.insert(ticket) }
            let arguments = state.arguments.removeValue(forKey: ticket)
            return state.requests.removeValue(forKey: ticket).map { ($0, arguments) }
        }) else { return }
        finish(request, arguments: arguments, executableReason: reason, givingUpHash: true, of: &event)
    }

    public func takeWarnings() -> [Event] {
        let now = clock()
        let own = state.withLock { state -> [Event] in
            if now >= state.nextStallCheck {
                state.nextStallCheck = now &+ 100_000_000
                abandonStuckWorkers(&state, now: now)
            }
            defer { state.warnings.removeAll() }
            return state.warnings
        }
        return own + (hashes?.takeWarnings() ?? [])
    }

    public var skipped: HashSkipCounts {
        var counts = state.withLock { $0.skipped }
        if let hashes { counts.add(hashes.skipped) }
        return counts
    }

    public var workersAbandoned: UInt64 { state.withLock { $0.abandoned } + (hashes?.workersAbandoned ?? 0) }

    /// Workers (and the hash pool's) take on `keep` before their next job.
    public func limitCapabilities(to keep: CapabilitySet) {
        hashes?.limitCapabilities(to: keep)
        state.withLock { state in
            state.capabilityLimit = keep
            state.capabilityGeneration += 1
            self.state.broadcast()
        }
    }

    /// Workers finish what is queued, then end: for a source whose only
    /// reads are its start snapshot's (BPF), so that afterwards the recorder
    /// runs no thread it does not need.
    public func retireWhenIdle() {
        state.withLock { state in
            state.retiring = true
            self.state.broadcast()
        }
    }

    public func stop() {
        hashes?.stop()
        state.withLock { state in
            state.stopping = true
            self.state.broadcast()
        }
    }

    // MARK: - Completing a record

    private func apply(_ outcome: Outcome, of request: Request, to event: inout Event) {
        guard !outcome.stalled else {
            return finish(request, arguments: outcome.arguments, executableReason: .processStalled, givingUpHash: false,
                          of: &event)
        }
        event.enrichmentTicket = 0
        if outcome.withdraw { event.isWithdrawn = true }
        if let limit = request.argumentLimit {
            ProcSnapshot.setArguments(from: outcome.arguments, limit: limit, of: &event)
        }
        if request.executable {
            var context = event.context ?? ProcessContext()
            if let identity = outcome.executable {
                context.exeInode = identity.inode
                context.exeDevice = DeviceNumber(userDev: identity.device)
                event.applyDigestLookup(outcome.lookup ?? .off, to: &context)
            } else {
                event.unavailable.formUnion([.exeInode, .exeDevice, .exeSHA256])
            }
            event.context = context
        }
        if request.pendingHash != 0 && event.enrichmentTicket == 0 { event.enrichmentTicket = request.pendingHash }
    }

    /// The record goes on without what was asked: unknown, and for the hash, why.
    /// A hash the record already waited for goes on, unless the recorder gave up.
    private func finish(_ request: Request, arguments: [UInt8]? = nil, executableReason: HashSkipReason, givingUpHash: Bool,
                        of event: inout Event) {
        event.enrichmentTicket = 0
        if let limit = request.argumentLimit {
            ProcSnapshot.setArguments(from: arguments, limit: limit, of: &event)
        }
        if request.executable {
            var context = event.context ?? ProcessContext()
            if hashes != nil {
                context.exeSHA256Skipped = executableReason
                state.withLock { $0.skipped.count(executableReason) }
            }
            event.unavailable.formUnion([.exeInode, .exeDevice, .exeSHA256])
            event.context = context
        }
        if request.pendingHash != 0 {
            event.enrichmentTicket = request.pendingHash
            if givingUpHash { hashes?.giveUp(&event, because: executableReason) }
        }
    }

    // MARK: - Watchdog (with the lock held)

    private func abandonStuckWorkers(_ state: inout State, now: Int64) {
        for index in state.workers.indices {
            let worker = state.workers[index]
            guard worker.busy, !worker.abandoned, let job = worker.job, now - worker.startedAt > settings.stallNanoseconds
            else { continue }
            state.workers[index].abandoned = true
            state.abandoned += 1
            deliver(Outcome(arguments: state.arguments.removeValue(forKey: job.ticket), stalled: true), for: job, &state)
            if state.stalledUsers.insert(job.request.uid).inserted {
                state.warnings.append(Self.stalledWarning(job.request, seconds: (now - worker.startedAt) / 1_000_000_000))
            }
            if state.replacementsLeft > 0 {
                state.replacementsLeft -= 1
                startWorker(locked: &state)
            }
        }
    }

    private static func stalledWarning(_ request: Request, seconds: Int64) -> Event {
        var warning = Event(kind: .warning, time: Clock.realtimeNanoseconds)
        warning.notice = Notice(
            code: "process_stalled",
            message: "reading /proc/\(request.pid) (uid \(request.uid)) made no progress for \(seconds) s: the arguments "
                + "and executables of that user's processes are no longer read from /proc (exe_sha256_skipped "
                + "\"process_stalled\"); recording goes on")
        return warning
    }

    private func deliver(_ outcome: Outcome, for job: Job, _ state: inout State) {
        deliver(outcome, ticket: job.ticket, &state)
    }

    private func deliver(_ outcome: Outcome, ticket: UInt32, _ state: inout State) {
        state.arguments[ticket] = nil
        if state.forgotten.remove(ticket) == nil { state.results[ticket] = outcome }
    }

    // MARK: - Workers

    private func startWorker(locked state: inout State) {
        let index = state.workers.count
        state.workers.append(Worker())
        // Above the programs that run: a short-lived process read late is gone (the reads are small).
        if !WorkerThread.start(name: "proctrace-read", nice: ProcessReadPool.workerNice, { [self] in work(index) }) {
            state.workers[index].abandoned = true
        }
    }

    private func work(_ index: Int) {
        WorkerThread.loop(state, next: { nextStep(for: index, &$0) }) { job in
            let outcome = read(job)
            state.withLock { state in
                state.workers[index].busy = false
                state.workers[index].job = nil
                if !state.workers[index].abandoned { deliver(outcome, for: job, &state) }
            }
        }
    }

    private func nextStep(for index: Int, _ state: inout State) -> WorkerStep<Job> {
        let now = clock()
        if state.stopping || state.workers[index].abandoned { return .exit }
        if state.workers[index].capabilityGeneration < state.capabilityGeneration {
            state.workers[index].capabilityGeneration = state.capabilityGeneration
            return .limitCapabilities(state.capabilityLimit)
        }
        let limit = max(state.workers.count { !$0.abandoned } - 1, 1)
        let running = state.workers.filter { $0.busy && !$0.abandoned }.compactMap { $0.job?.request.uid }
        while let job = state.jobs.next(mayRun: { uid in running.count { $0 == uid } < limit }) {
            if job.directory != nil { state.heldDirectories -= 1 }
            if state.forgotten.remove(job.ticket) != nil || state.stalledUsers.contains(job.request.uid) {
                if state.stalledUsers.contains(job.request.uid) { deliver(Outcome(stalled: true), for: job, &state) }
                continue
            }
            state.workers[index].busy = true
            state.workers[index].job = job
            state.workers[index].startedAt = now
            return .run(job)
        }
        return state.retiring && state.jobs.count == 0 ? .exit : .idle
    }

    /// What the request asks, read through /proc/PID if it is still the process of the record.
    private func read(_ job: Job) -> Outcome {
        var outcome = Outcome()
        guard let directory = job.directory ?? ProcessDirectory(ProcFS(root: settings.procRoot), pid: job.request.pid),
              job.directory != nil || directory.stat()?.startTimeApproximate == job.request.startTime
        else { return outcome }
        if let check = job.request.setIDExec {
            outcome.withdraw = check.isOwnChange(of: directory, exePath: job.exePath)
            return outcome
        }
        if let limit = job.request.argumentLimit, limit > 0 {
            outcome.arguments = directory.cmdline(limit: limit + 1)
        }
        guard job.request.executable else { return outcome }
        // A process that exec'd again since the record was read runs another file: not this record's,
        // and not to be charged to the ids the record had (a stuck stat stops that user's reads).
        if let exePath = job.exePath, FileIO.readLink(at: directory.fd, "exe") != exePath { return outcome }
        if let arguments = outcome.arguments {
            state.withLock { state in
                if !state.forgotten.contains(job.ticket) { state.arguments[job.ticket] = arguments }
            }
        }
        var status = stat()
        guard fstatat(directory.fd, "exe", &status, 0) == 0 else { return outcome }
        let identity = ExecutableIdentity(status)
        outcome.executable = identity
        // The version stat saw now is the one hashed, or none; once the process is gone, its path
        // serves only while it still names that version.
        outcome.lookup = hashes?.lookup(ExecutableHashRequest(
            pid: job.request.pid, uid: job.request.uid, device: DeviceNumber(userDev: identity.device),
            inode: identity.inode, version: identity.version, path: job.exePath))
        return outcome
    }
}
