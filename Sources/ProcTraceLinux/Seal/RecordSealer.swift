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
final class SealStateWriter: Sendable {
    private struct Shared {
        var waiting: SealKeyState?
        var writing = false
        var stopping = false
        var thread: SystemThread?
        var firstError: String?
    }

    private let file: SealKeyFile
    /// The thread waits on its condition for a state to write; `finish` for the last one written.
    private let shared = ConditionLock(Shared())

    init(file: SealKeyFile) {
        self.file = file
    }

    var firstError: String? { shared.withLock { $0.firstError } }

    func start() {
        let started = SystemThread.start { [self] in run() }
        shared.withLock { $0.thread = started }
    }

    func post(_ state: SealKeyState) {
        let threaded = shared.withLock { shared in
            if shared.waiting != nil { SealKeySchedule.erase(&shared.waiting!.key) }
            shared.waiting = state
            return shared.thread != nil
        }
        shared.broadcast()
        if !threaded { writeWaiting() }  // no thread (could not start one): written here
    }

    private func writeWaiting() {
        if var state = shared.withLock({ $0.waiting.take() }) {
            store(state)
            SealKeySchedule.erase(&state.key)
        }
    }

    private func run() {
        while true {
            // A state to write, or .some(nil): stopping with nothing left.
            let next = shared.wait { shared -> SealKeyState?? in
                if let state = shared.waiting.take() {
                    shared.writing = true
                    return state
                }
                return shared.stopping ? .some(nil) : nil
            }
            guard var state = next ?? nil else { return }
            store(state)
            SealKeySchedule.erase(&state.key)
            shared.withLock { $0.writing = false }
            shared.broadcast()
        }
    }

    private func store(_ state: SealKeyState) {
        do {
            try file.store(state)
        } catch {
            shared.withLock { shared in
                if shared.firstError == nil { shared.firstError = "\(error)" }
            }
        }
    }

    /// Stops the thread once the last state is written, waiting at most the timeout.
    func finish(timeoutNanoseconds: Int64) -> Bool {
        let deadline = Clock.monotonicNanoseconds + timeoutNanoseconds
        guard let thread = shared.withLock({ shared -> SystemThread? in
            shared.stopping = true
            return shared.thread
        }) else { return true }
        shared.broadcast()
        let done = shared.wait(until: deadline) { $0.waiting == nil && !$0.writing ? true : nil } ?? false
        if done {
            thread.join()
        } else {
            thread.detach()  // a disk that never answers: not waited for
        }
        shared.withLock { $0.thread = nil }
        return done
    }
}
