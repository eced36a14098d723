#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// The recorder's exec reviews (`record --rules`) on a thread of their own:
/// the Sigma rules, and the names of new uids from the host's user database
/// (getpwuid_r: NSS, which may ask a directory server). The draining thread
/// only queues a job and later takes its verdict, each under one lock; a
/// full queue skips the review (counted), it never waits. Without rules
/// (names only, a few lookups in a recording) the thread ends whenever it is
/// idle and the next new uid starts another, so a recorder that needs no
/// other thread runs one (capabilities are per thread: docs/service.md).
public final class ExecReviewPool: ExecReviewer, @unchecked Sendable {
    public let evaluatesRules: Bool
    /// Reviews queued at most.
    public let queueLimit: Int

    private struct Job: Sendable {
        let ticket: UInt32
        let exec: SigmaExec
        let evaluate: Bool
        let uids: [UInt32]
    }

    private struct State {
        var jobs: [Job] = []
        var head = 0
        var results: [UInt32: ExecVerdict] = [:]
        var forgotten: Set<UInt32> = []
        var skipped = ReviewSkipCounts()
        var nextTicket: UInt32 = 1
        var stopping = false
        var capabilityLimit: CapabilitySet?
        var capabilityGeneration = 0
        var workerRunning = false
        /// Jobs were queued since the last wake.
        var unwoken = false
        var queued: Int { jobs.count - head }
    }

    private let state = ConditionLock(State())
    /// Touched by the worker thread alone.
    private let evaluator: SigmaEvaluator
    private let names = UserNames()
    private var workerCapabilityGeneration = 0

    /// Starts the worker (with rules); nil when the system refused a thread.
    public init?(rules: [SigmaRule], queueLimit: Int = 4_096) {
        evaluatesRules = !rules.isEmpty
        self.queueLimit = max(queueLimit, 1)
        evaluator = SigmaEvaluator(rules: rules)
        guard !evaluatesRules || state.withLock({ startWorker(locked: &$0) }) else { return nil }
    }

    /// Below the draining thread: a storm of execs slows the reviews, never the drain.
    private func startWorker(locked state: inout State) -> Bool {
        state.workerRunning = WorkerThread.start(name: "proctrace-review", nice: 5, { [self] in work() })
        return state.workerRunning
    }

    // MARK: - The draining thread's side: one lock, never a lookup; one wake-up a batch.

    public func submit(_ exec: SigmaExec, evaluate: Bool, uids: [UInt32]) -> UInt32 {
        let ticket = state.withLock { state -> UInt32 in
            // No worker (names only: it ended when idle, or no thread could be had): one now, else skipped.
            guard !state.stopping, state.queued < queueLimit, state.workerRunning || startWorker(locked: &state) else {
                state.skipped[.queueFull] += 1
                return 0
            }
            let ticket = state.nextTicket
            state.nextTicket = state.nextTicket == UInt32.max ? 1 : state.nextTicket + 1
            state.jobs.append(Job(ticket: ticket, exec: exec, evaluate: evaluate, uids: uids))
            state.unwoken = true
            return ticket
        }
        return ticket
    }

    public func wake() {
        let due = state.withLock { state in
            defer { state.unwoken = false }
            return state.unwoken
        }
        if due { state.signal() }
    }

    public func take(_ ticket: UInt32) -> ExecVerdict? {
        state.withLock { $0.results.removeValue(forKey: ticket) }
    }

    public func giveUp(_ ticket: UInt32, because reason: ReviewSkipReason) {
        state.withLock { state in
            state.skipped[reason] += 1
            if state.results.removeValue(forKey: ticket) == nil { state.forgotten.insert(ticket) }
        }
    }

    public var skipped: ReviewSkipCounts { state.withLock { $0.skipped } }

    /// Execs queued for review now.
    public var queuedCount: Int { state.withLock { $0.queued } }

    /// The worker takes on `keep` before its next job (capabilities belong to threads).
    public func limitCapabilities(to keep: CapabilitySet) {
        state.withLock { state in
            state.capabilityLimit = keep
            state.capabilityGeneration += 1
        }
        state.signal()
    }

    /// The worker ends once it is idle (it is detached: a lookup that never returns is left behind).
    public func stop() {
        state.withLock { $0.stopping = true }
        state.signal()
    }

    // MARK: - The worker

    private func work() {
        WorkerThread.loop(state, next: nextStep) { job in
            let verdict = review(job)
            state.withLock { state in
                if state.forgotten.remove(job.ticket) == nil { state.results[job.ticket] = verdict }
            }
        }
    }

    private func nextStep(_ state: inout State) -> WorkerStep<Job> {
            if state.stopping {
                state.workerRunning = false
                return .exit
            }
            if let keep = state.capabilityLimit, workerCapabilityGeneration < state.capabilityGeneration {
                workerCapabilityGeneration = state.capabilityGeneration
                return .limitCapabilities(keep)
            }
            while state.head < state.jobs.count {
                let job = state.jobs[state.head]
                state.head += 1
                if state.head == state.jobs.count {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.head = 0
                } else if state.head >= 1024 && state.head * 2 >= state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                // Given up already: its verdict would never be taken.
                if state.forgotten.remove(job.ticket) != nil { continue }
                return .run(job)
            }
            if !evaluatesRules {
                state.workerRunning = false
                return .exit
            }
            return .idle
    }

    private func review(_ job: Job) -> ExecVerdict {
        var verdict = ExecVerdict()
        for uid in job.uids { verdict.users.append(UserName(uid: uid, name: names.bytes(of: uid))) }
        guard job.evaluate else { return verdict }
        evaluator.evaluate(job.exec, userName: { [names] in names.bytes(of: $0) }) { rule in
            if let index = evaluator.rules.firstIndex(where: { $0 === rule }) { verdict.matched.append(index) }
        }
        if !verdict.matched.isEmpty { verdict.ancestry = job.exec.ancestry }
        return verdict
    }
}
