#if canImport(Glibc)
import Glibc
#endif

/// A thread of the recorder's own (pthread), started in this one place: the
/// draining loop, senders, decoders and enrichment workers each run on one,
/// outside Swift's cooperative pool, so a thread stuck in a read that never
/// returns holds up nothing else.
struct SystemThread: Sendable {
    private let thread: pthread_t

    /// Starts `body` on a new joinable thread; nil when the system refused one.
    /// What `body` captures is the thread's alone (Sendable, or not used after).
    static func start(_ body: sending @escaping () -> Void) -> SystemThread? {
        create(detached: false, body).map(SystemThread.init(thread:))
    }

    /// Starts `body` on a thread no one joins; false when the system refused one.
    static func startDetached(_ body: sending @escaping () -> Void) -> Bool {
        create(detached: true, body) != nil
    }

    /// Waits for the thread to end.
    func join() { pthread_join(thread, nil) }

    /// Lets the thread end on its own, not waited for.
    func detach() { pthread_detach(thread) }

    private static func create(detached: Bool, _ body: sending @escaping () -> Void) -> pthread_t? {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if detached { pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED)) }
        let status = pthread_create(&thread, &attributes, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return nil
        }
        return thread
    }

    /// The body on its way to the new thread (through pthread_create's context pointer).
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
}
