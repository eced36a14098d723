#if canImport(Glibc)
import Glibc
#endif

/// State shared between threads, with a condition to wait on until it
/// changes. Synchronization's Mutex cannot be waited on; this is the one
/// place pthread's mutex and condition variable are used (the decoder's
/// workers, a network output's sender, the seal state's writer).
/// Timed waits are on CLOCK_MONOTONIC, which no clock change moves.
final class ConditionLock<State>: @unchecked Sendable {  // `state` is reached only with `mutex` held
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var state: State

    init(_ initial: sending State) {
        state = initial
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// As Mutex.withLock: what goes in or comes out must be Sendable or no longer used elsewhere.
    func withLock<Result>(_ body: (inout sending State) throws -> sending Result) rethrows -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// Runs `body` with the lock held until it gives a result, waiting on
    /// the condition (the lock released) after each nil; nil once the
    /// monotonic clock reaches `deadline`.
    func wait<Result>(until deadline: Int64 = .max, for body: (inout sending State) throws -> sending Result?) rethrows
        -> sending Result? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if let result = try body(&state) { return result }
            if deadline == .max {
                pthread_cond_wait(condition, mutex)
                continue
            }
            if Clock.monotonicNanoseconds >= deadline { return nil }
            var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            pthread_cond_timedwait(condition, mutex, &until)
        }
    }

    /// Wakes one waiter.
    func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter.
    func broadcast() { pthread_cond_broadcast(condition) }
}
