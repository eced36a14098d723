#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem

/// The enrichment workers' threads (hashing, /proc reads): detached, since a
/// thread stuck in a read that never returns is left behind, never joined;
/// below the draining thread's priority when asked; and with the stop and
/// reopen signals held, so none of them lands in such a read.
enum WorkerThread {
    /// Starts `body` on a new thread; false when the system refused one.
    static func start(nice: Int32, _ body: @escaping @Sendable () -> Void) -> Bool {
        let context = Unmanaged.passRetained(Body(body, nice: nice)).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        let status = pthread_create(&thread, &attributes, { context in
            let start = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
            if start.nice != 0 { _ = pt_thread_set_nice(start.nice) }
            pt_signals_hold(1)
            start.run()
            return nil
        }, context)
        if status != 0 { Unmanaged<Body>.fromOpaque(context).release() }
        return status == 0
    }

    private final class Body {
        let run: @Sendable () -> Void
        let nice: Int32
        init(_ run: @escaping @Sendable () -> Void, nice: Int32) {
            self.run = run
            self.nice = nice
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

extension WorkerThread {
    /// An enrichment worker's life: asleep on `wake` until a job is posted,
    /// then steps until there is nothing to do; it returns on `.exit`.
    static func loop<Job>(wake: UnsafeMutablePointer<sem_t>, next: () -> WorkerStep<Job>, run: (Job) -> Void) {
        while true {
            while sem_wait(wake) != 0 && errno == EINTR {}
            // After a job, the next one without waiting: a wake-up is only for an idle worker.
            steps: while true {
                switch next() {
                case .run(let job): run(job)
                case .limitCapabilities(let keep): try? CapabilityDrop.limit(to: keep)
                case .idle: break steps
                case .exit: return
                }
            }
        }
    }
}
