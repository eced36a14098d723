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
