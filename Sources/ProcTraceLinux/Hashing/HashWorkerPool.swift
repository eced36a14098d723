#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// exe_sha256 off the thread that drains the kernel: that thread only looks
/// in the cache and hands out tickets (`lookup`); a few worker threads open
/// and hash the files (VerifiedFileHasher), users taking turns (FairJobQueue).
/// A worker whose read stops making progress — a dead NFS mount, a FUSE
/// file that never answers — is abandoned, not waited for: its device is no
/// longer hashed, a `warning` record says so, and a new worker takes its place.
public final class HashWorkerPool: EventEnricher, Sendable {
    public struct Settings: Sendable {
        /// Files larger than this are not hashed; 0: nothing is.
        public var maxBytes = HashWorkerPool.defaultMaxBytes
        public var workers = 2
        /// Hashes waiting at most, per user and in all; past that, skipped.
        public var perUserQueue = 64
        public var queue = 1024
        public var cacheCapacity = 4096
        /// A read that makes no progress for this long counts as stuck.
        public var stallNanoseconds: Int64 = 2_000_000_000
        /// Stuck workers replaced at most; past that, no more hashing.
        public var replacements = 4
        public var procRoot = "/proc"

        public init(maxBytes: Int = HashWorkerPool.defaultMaxBytes) {
            self.maxBytes = max(maxBytes, 0)
        }
    }

    public struct Counters: Equatable, Sendable {
        public var hits: UInt64 = 0
        /// Hits found by the size and times the kernel sent (no system call).
        public var hitsByKernelVersion: UInt64 = 0
        public var misses: UInt64 = 0
        public var bytesHashed: UInt64 = 0
        /// Time workers spent on misses (open, read, hash), nanoseconds.
        public var missNanoseconds: UInt64 = 0
        public var abandonedWorkers: UInt64 = 0
        public var stalledDevices: UInt64 = 0
        public var skipped = HashSkipCounts()
    }

    public static let defaultMaxBytes = 64 << 20
    /// The workers' nice value (the draining thread keeps the recorder's).
    static let workerNice: Int32 = 10
    /// A read that has not moved for this long no longer counts against its user's share of workers.
    static let slowReadNanoseconds: Int64 = 250_000_000

    public let settings: Settings
    private let clock: @Sendable () -> Int64
    /// Workers wait on its condition for a job; queuing one signals it.
    private let state: ConditionLock<State>

    private struct Job {
        let ticket: UInt32
        let request: ExecutableHashRequest
    }

    private struct Worker {
        var job: Job?
        var uid: UInt32 = 0
        var device: DeviceNumber?
        var lastProgress: Int64 = 0
        var busy = false
        var abandoned = false
        var capabilityGeneration = 0
    }

    private struct State {
        var cache: HashCache
        var jobs: FairJobQueue<Job>
        var results: [UInt32: Result<SHA256Digest, HashSkipError>] = [:]
        /// Tickets given up on: their results are not kept.
        var forgotten: Set<UInt32> = []
        /// The job hashing each file version now, by its ticket, and the
        /// tickets of later execs of the same version that wait for it (a
        /// storm of one new binary queues one job, not one per exec).
        var inFlight: [ExecutableIdentity: UInt32] = [:]
        var joined: [UInt32: [UInt32]] = [:]
        var workers: [Worker] = []
        var stalled: Set<DeviceNumber> = []
        var warnings: [Event] = []
        var counters = Counters()
        var nextTicket: UInt32 = 1
        var stopping = false
        var capabilityLimit = CapabilitySet.empty
        var capabilityGeneration = 0
        var replacementsLeft: Int
        var nextStallCheck: Int64 = 0
    }

    public init(settings: Settings, clock: @escaping @Sendable () -> Int64 = { Clock.monotonicNanoseconds }) {
        self.settings = settings
        self.clock = clock
        state = ConditionLock(State(cache: HashCache(capacity: settings.cacheCapacity),
                            jobs: FairJobQueue(perUser: settings.perUserQueue, total: settings.queue),
                            replacementsLeft: settings.replacements))
        guard isEnabled else { return }
        for _ in 0..<max(settings.workers, 1) { startWorker() }
    }

    public var isEnabled: Bool { settings.maxBytes > 0 }

    public var counters: Counters { state.withLock { $0.counters } }

    public var cachedCount: Int { state.withLock { $0.cache.count } }

    // MARK: - The draining thread's side: never waits on a file.

    /// A cached digest, a ticket for a worker, or why there will be none.
    public func lookup(_ request: ExecutableHashRequest) -> ExecutableDigestLookup {
        guard isEnabled else { return .off }
        if let version = request.version, version.size > settings.maxBytes {
            return skip(.tooLarge)
        }
        return state.withLock { state in
            if let version = request.version,
               let digest = state.cache[ExecutableIdentity(device: request.device, inode: request.inode, version: version)] {
                state.counters.hits += 1
                state.counters.hitsByKernelVersion += 1
                return .digest(digest)
            }
            if state.stalled.contains(request.device) || state.workers.allSatisfy(\.abandoned) {
                state.counters.skipped.count(.deviceStalled)
                return .skipped(.deviceStalled)
            }
            let ticket = state.nextTicket
            let identity = request.version.map { ExecutableIdentity(device: request.device, inode: request.inode, version: $0) }
            if let identity, let primary = state.inFlight[identity] {
                state.joined[primary, default: []].append(ticket)
            } else {
                guard state.jobs.append(Job(ticket: ticket, request: request), for: request.uid) else {
                    state.counters.skipped.count(.queueFull)
                    return .skipped(.queueFull)
                }
                if let identity { state.inFlight[identity] = ticket }
                self.state.signal()
            }
            state.nextTicket = ticket == UInt32.max ? 1 : ticket + 1
            return .pending(ticket: ticket)
        }
    }

    private func skip(_ reason: HashSkipReason) -> ExecutableDigestLookup {
        state.withLock { $0.counters.skipped.count(reason) }
        return .skipped(reason)
    }

    public func complete(_ event: inout Event) -> Bool {
        let ticket = event.enrichmentTicket
        guard let result = state.withLock({ state -> Result<SHA256Digest, HashSkipError>? in
            guard let result = state.results.removeValue(forKey: ticket) else { return nil }
            if case .failure(let skip) = result { state.counters.skipped.count(skip.reason) }
            return result
        }) else { return false }
        event.completeDigest(result)
        return true
    }

    public func giveUp(_ event: inout Event, because reason: HashSkipReason) {
        let ticket = event.enrichmentTicket
        state.withLock { state in
            state.counters.skipped.count(reason)
            if state.results.removeValue(forKey: ticket) == nil { state.forgotten.insert(ticket) }
        }
        event.completeDigest(.failure(HashSkipError(reason)))
    }

    public func takeWarnings() -> [Event] {
        let now = clock()
        return state.withLock { state in
            if now >= state.nextStallCheck {
                state.nextStallCheck = now &+ 100_000_000
                abandonStuckWorkers(&state, now: now)
            }
            guard !state.warnings.isEmpty else { return [] }
            defer { state.warnings.removeAll() }
            return state.warnings
        }
    }

    public var skipped: HashSkipCounts { state.withLock { $0.counters.skipped } }

    public var workersAbandoned: UInt64 { state.withLock { $0.counters.abandonedWorkers } }

    /// Workers take on `keep` before their next job (capabilities belong to
    /// threads: the caller's own drop does not reach them).
    public func limitCapabilities(to keep: CapabilitySet) {
        state.withLock { state in
            state.capabilityLimit = keep
            state.capabilityGeneration += 1
            self.state.broadcast()
        }
    }

    /// Workers stop after their current job; a stuck one is left behind.
    public func stop() {
        state.withLock { state in
            state.stopping = true
            self.state.broadcast()
        }
    }

    // MARK: - Watchdog (called with the lock held)

    private func abandonStuckWorkers(_ state: inout State, now: Int64) {
        for index in state.workers.indices {
            let worker = state.workers[index]
            guard worker.busy, !worker.abandoned, now - worker.lastProgress > settings.stallNanoseconds else { continue }
            state.workers[index].abandoned = true
            state.counters.abandonedWorkers += 1
            deliver(.failure(HashSkipError(.deviceStalled)), for: worker.job, &state)
            if let device = worker.device, state.stalled.insert(device).inserted {
                state.counters.stalledDevices += 1
                state.warnings.append(Self.stalledWarning(device: device, seconds: (now - worker.lastProgress) / 1_000_000_000))
            }
            if state.replacementsLeft > 0 {
                state.replacementsLeft -= 1
                startWorker(locked: &state)
            }
        }
    }

    private static func stalledWarning(device: DeviceNumber, seconds: Int64) -> Event {
        var warning = Event(kind: .warning, time: Clock.realtimeNanoseconds)
        warning.notice = Notice(
            code: "device_stalled",
            message: "a read of an executable on device \(device.major):\(device.minor) made no progress for \(seconds) s: "
                + "files on that device are no longer hashed (exe_sha256_skipped \"device_stalled\"); recording goes on")
        return warning
    }

    // MARK: - Workers

    private func startWorker() {
        state.withLock { startWorker(locked: &$0) }
    }

    private func startWorker(locked state: inout State) {
        let index = state.workers.count
        state.workers.append(Worker())
        // Below the draining thread: on a busy host hashes wait (and time out), the ring never does.
        if !WorkerThread.start(name: "proctrace-hash", nice: HashWorkerPool.workerNice, { [self] in work(index) }) {
            state.workers[index].abandoned = true
        }
    }

    private func work(_ index: Int) {
        let hasher = VerifiedFileHasher(maxBytes: settings.maxBytes, procRoot: settings.procRoot)
        WorkerThread.loop(state, next: { nextStep(for: index, &$0) }, run: { run($0, on: index, with: hasher) })
    }

    private func nextStep(for index: Int, _ state: inout State) -> WorkerStep<Job> {
        let now = clock()
        let running = settings.workers > 1
        if state.stopping || state.workers[index].abandoned { return .exit }
        if state.workers[index].capabilityGeneration < state.capabilityGeneration {
            state.workers[index].capabilityGeneration = state.capabilityGeneration
            return .limitCapabilities(state.capabilityLimit)
        }
        // One user never holds every worker: the last one is kept for the others' turns. A worker
        // whose read has not moved for a while is not counted: a user's own stuck file (until
        // it is abandoned) does not hold up that user's other hashes.
        let moving = state.workers.filter { $0.busy && !$0.abandoned && now - $0.lastProgress < HashWorkerPool.slowReadNanoseconds }
        let busyByUser = Dictionary(moving.map { ($0.uid, 1) }, uniquingKeysWith: +)
        let limit = running ? max(state.workers.filter { !$0.abandoned }.count - 1, 1) : 1
        while let job = state.jobs.next(mayRun: { busyByUser[$0, default: 0] < limit }) {
            if state.forgotten.contains(job.ticket) && state.joined[job.ticket] == nil {
                deliver(.failure(HashSkipError(.timeout)), for: job, &state) // nobody waits for it any more
                continue
            }
            if state.stalled.contains(job.request.device) {
                deliver(.failure(HashSkipError(.deviceStalled)), for: job, &state)
                continue
            }
            state.workers[index].busy = true
            state.workers[index].job = job
            state.workers[index].uid = job.request.uid
            state.workers[index].device = job.request.device
            state.workers[index].lastProgress = now
            return .run(job)
        }
        return .idle
    }

    private func run(_ job: Job, on index: Int, with hasher: VerifiedFileHasher) {
        let started = clock()
        let result = hash(job.request, on: index, with: hasher)
        let elapsed = UInt64(max(clock() - started, 0))
        state.withLock { state in
            state.workers[index].busy = false
            state.counters.misses += 1
            state.counters.missNanoseconds += elapsed
            if case .success(let digest) = result, let version = job.request.version {
                state.cache.insert(digest, for: ExecutableIdentity(device: job.request.device, inode: job.request.inode, version: version))
            }
            guard !state.workers[index].abandoned else { return }
            deliver(result, for: job, &state)
        }
    }

    /// The job's result for its own ticket and every one that joined it, but those given up on.
    private func deliver(_ result: Result<SHA256Digest, HashSkipError>, for job: Job?, _ state: inout State) {
        guard let job else { return }
        if let version = job.request.version,
           state.inFlight[ExecutableIdentity(device: job.request.device, inode: job.request.inode, version: version)] == job.ticket {
            state.inFlight[ExecutableIdentity(device: job.request.device, inode: job.request.inode, version: version)] = nil
        }
        for ticket in [job.ticket] + (state.joined.removeValue(forKey: job.ticket) ?? []) {
            if state.forgotten.remove(ticket) == nil { state.results[ticket] = result }
        }
    }

    private func hash(_ request: ExecutableHashRequest, on index: Int, with hasher: VerifiedFileHasher)
        -> Result<SHA256Digest, HashSkipError> {
        let opened: (fd: Int32, identity: ExecutableIdentity)
        switch hasher.open(request) {
        case .failure(let skip): return .failure(skip)
        case .success(let file): opened = file
        }
        defer { close(opened.fd) }
        if let digest = state.withLock({ $0.cache[opened.identity] }) { return .success(digest) }
        let result = hasher.digest(of: opened.fd, identity: opened.identity) { bytes in
            let now = clock()
            state.withLock { state in
                state.workers[index].lastProgress = now
                state.counters.bytesHashed += bytes
            }
        }
        if case .success(let digest) = result, request.version == nil {
            // No kernel version: keyed by what fstat said, as the live process's own file.
            state.withLock { $0.cache.insert(digest, for: opened.identity) }
        }
        return result
    }
}
