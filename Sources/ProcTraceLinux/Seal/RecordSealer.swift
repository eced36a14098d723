#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Seals what `record` writes (docs/sealing.md): SHA-256 over the lines as
/// they go out, an HMAC under the current interval's key at each seal, the
/// key moved on (and the old one erased) when an interval ends. Runs on the
/// recording thread, which only computes: the key state file is rewritten
/// (with its fsyncs) by a thread of its own, the latest state winning, so
/// a slow disk never holds the recording.
public final class RecordSealer: StreamSealer {
    private var state: SealKeyState
    private var hasher = SHA256Hasher()
    private let clock: () -> Int64
    /// When the current interval ends (nanoseconds since the epoch).
    private var intervalEnd: Int64
    /// The seal `nextSeal` gave and `authenticate` completes.
    private var pending: SealInfo?
    private let writer: SealStateWriter

    /// Loads the state and moves its key on to the interval of now (a
    /// stopped recorder does not move it; the intervals it missed are skipped).
    public init(file: SealKeyFile, clock: @escaping () -> Int64 = { Clock.realtimeNanoseconds }) throws {
        var state = try file.load()
        self.clock = clock
        let now = state.schedule.interval(at: clock())
        var moved = false
        if now > state.interval {
            state.key = SealKeySchedule.evolve(state.key, steps: now - state.interval)
            state.interval = now
            moved = true
        }
        self.state = state
        intervalEnd = state.schedule.begin(of: state.interval + 1)
        writer = SealStateWriter(file: file)
        if moved { try file.store(state) }
        writer.start()
    }

    public var keyID: String { state.keyID }
    public var interval: UInt64 { state.interval }

    public func absorb(_ lines: UnsafeRawBufferPointer) {
        hasher.update(lines)
    }

    public func intervalEnded() -> Int64? {
        let now = clock()
        return now >= intervalEnd ? now : nil
    }

    public func nextSeal(trigger: SealInfo.Trigger, lines: UInt64) -> (seal: SealInfo, time: Int64) {
        let now = clock()
        let current = state.schedule.interval(at: now)
        // A stop moves the key on whatever the time: the key that sealed the stop is erased.
        let next = trigger == .stop ? max(state.interval + 1, current) : max(state.interval, current)
        let seal = SealInfo(keyID: state.keyID, interval: state.interval, nextInterval: next, trigger: trigger,
                            lines: lines, linesSHA256: hasher.finalize(), previousMAC: state.lastMAC,
                            mac: SHA256Digest(bytes: []))
        pending = seal
        return (seal, now)
    }

    public func authenticate(prefix: UnsafeRawBufferPointer) -> SHA256Digest {
        let mac = SealKeySchedule.mac(intervalKey: state.key, prefix: prefix)
        state.lastMAC = mac
        if let pending, pending.nextInterval > state.interval {
            state.key = SealKeySchedule.evolve(state.key, steps: pending.nextInterval - state.interval)
            state.interval = pending.nextInterval
            intervalEnd = state.schedule.begin(of: state.interval + 1)
        }
        pending = nil
        writer.post(state)
        return mac
    }

    /// Waits (at most `timeoutNanoseconds`) for the last state to be on disk;
    /// false when it is not (said by the caller: the next run then chains to an older seal).
    @discardableResult
    public func close(timeoutNanoseconds: Int64 = 2_000_000_000) -> Bool {
        writer.finish(timeoutNanoseconds: timeoutNanoseconds)
    }

    /// The first error writing the state, if any (said once by the caller).
    public var storeError: String? { writer.firstError }

    deinit {
        SealKeySchedule.erase(&state.key)
    }
}

/// Writes the newest key state on a thread of its own (latest wins).
final class SealStateWriter {
    private let file: SealKeyFile
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var waiting: SealKeyState?
    private var writing = false
    private var stopping = false
    private var thread: pthread_t?
    private(set) var firstError: String?

    init(file: SealKeyFile) {
        self.file = file
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(lock)
        lock.deallocate()
        wake.deallocate()
    }

    func start() {
        var created = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        if pthread_create(&created, nil, { context in
            let writer = Unmanaged<SealStateWriter>.fromOpaque(context!).takeRetainedValue()
            writer.run()
            return nil
        }, context) == 0 {
            thread = created
        } else {
            Unmanaged<SealStateWriter>.fromOpaque(context).release()
        }
    }

    func post(_ state: SealKeyState) {
        pthread_mutex_lock(lock)
        if var replaced = waiting { SealKeySchedule.erase(&replaced.key) }
        waiting = state
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(lock)
        if thread == nil { writeWaiting() }  // no thread (could not start one): written here
    }

    private func writeWaiting() {
        pthread_mutex_lock(lock)
        let state = waiting
        waiting = nil
        pthread_mutex_unlock(lock)
        if var state {
            store(state)
            SealKeySchedule.erase(&state.key)
        }
    }

    private func run() {
        pthread_mutex_lock(lock)
        while true {
            while waiting == nil && !stopping { pthread_cond_wait(wake, lock) }
            guard var state = waiting else { break }
            waiting = nil
            writing = true
            pthread_mutex_unlock(lock)
            store(state)
            SealKeySchedule.erase(&state.key)
            pthread_mutex_lock(lock)
            writing = false
            pthread_cond_broadcast(wake)
        }
        pthread_mutex_unlock(lock)
    }

    private func store(_ state: SealKeyState) {
        do {
            try file.store(state)
        } catch {
            pthread_mutex_lock(lock)
            if firstError == nil { firstError = "\(error)" }
            pthread_mutex_unlock(lock)
        }
    }

    /// Stops the thread once the last state is written, waiting at most the timeout.
    func finish(timeoutNanoseconds: Int64) -> Bool {
        guard let thread else { return true }
        let deadline = Clock.realtimeNanoseconds + timeoutNanoseconds
        pthread_mutex_lock(lock)
        stopping = true
        pthread_cond_broadcast(wake)
        var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while (waiting != nil || writing) && Clock.realtimeNanoseconds < deadline {
            pthread_cond_timedwait(wake, lock, &until)
        }
        let done = waiting == nil && !writing
        pthread_mutex_unlock(lock)
        if done {
            pthread_join(thread, nil)
        } else {
            pthread_detach(thread)  // a disk that never answers: not waited for
        }
        self.thread = nil
        return done
    }
}
