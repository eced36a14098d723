import CProcTraceSystem

/// The enrichment workers' threads (hashing, /proc reads): detached, since a
/// thread stuck in a read that never returns is left behind, never joined;
/// below the draining thread's priority when asked; and with the stop and
/// reopen signals held, so none of them lands in such a read.
enum WorkerThread {
    /// Starts `body` on a new thread named `name` (what `top -H` and `ps -L` show; at most 15 bytes);
    /// false when the system refused one.
    static func start(name: String, nice: Int32, _ body: @escaping @Sendable () -> Void) -> Bool {
        SystemThread.startDetached {
            _ = pt_thread_set_name(name)
            if nice != 0 { _ = pt_thread_set_nice(nice) }
            pt_signals_hold(1)
            body()
        }
    }
}

/// What an enrichment worker does next, as its pool decides under its lock.
enum WorkerStep<Job> {
    case run(Job)
    /// Take on the recorder's capability drop (capabilities belong to threads).
    case limitCapabilities(CapabilitySet)
    case idle
    case exit
}

extension WorkerStep: Sendable where Job: Sendable {}

extension WorkerThread {
    /// An enrichment worker's life: asleep on its pool's condition while
    /// `next` (called with the pool's lock held) finds nothing to do, then
    /// steps until there is nothing left; it returns on `.exit`. The pool
    /// signals the condition when it queues a job, broadcasts it to stop.
    static func loop<State, Job: Sendable>(_ pool: ConditionLock<State>, next: (inout State) -> WorkerStep<Job>,
                                           run: (Job) -> Void) {
        while true {
            let step = pool.wait { state -> WorkerStep<Job>? in
                let step = next(&state)
                if case .idle = step { return nil }
                return step
            }
            switch step {
            case .run(let job)?: run(job)
            case .limitCapabilities(let keep)?: try? CapabilityDrop.limit(to: keep)
            case .idle?, nil: continue
            case .exit?: return
            }
        }
    }
}
