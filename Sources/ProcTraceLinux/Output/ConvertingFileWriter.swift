#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// The thread of a ConvertingFileSink: takes the queued native lines in
/// order, converts and writes them, rotates and reopens the file where the
/// Recorder asked, and checks once a second that the file was not deleted.
/// The file is its alone.
final class ConvertingFileWriter {
    private enum Step {
        case write([UInt8])
        case act(ConvertingFileSink.Action)
        case flush(Int)
        case stop
    }

    /// At most this much is converted and written in one go.
    static let chunkBytes = 256 * 1024

    private let file: ReopenableLogFile
    private let rotating: RotatingLogSink?
    private let converting: FormattingSink
    private let name: String
    private let format: OutputFormat
    private let watched: Bool
    private let say: @Sendable (String) -> Void
    private let shared: ConditionLock<ConvertingFileSink.Shared>
    private var queueFull = DropReport()
    private var writeFailed = DropReport()
    private var lastWriteError = ""
    /// Bytes written and native bytes they came from (the measured ratio).
    private var converted = 0
    private var native = 0

    init(file: ReopenableLogFile, name: String, format: OutputFormat, watched: Bool,
         say: @escaping @Sendable (String) -> Void, shared: ConditionLock<ConvertingFileSink.Shared>) {
        self.file = file
        rotating = file as? RotatingLogSink
        converting = FormattingSink(file, format: format)
        self.name = name
        self.format = format
        self.watched = watched
        self.say = say
        self.shared = shared
    }

    func run() {
        // Its own name in top -H and /proc/PID/task/*/comm: what a converted output costs is seen apart.
        _ = pt_thread_set_name("proctrace-conv")
        var nextCheck = Clock.monotonicNanoseconds + 1_000_000_000
        while true {
            let step = shared.wait(until: nextCheck) { shared in self.next(&shared) }
            switch step {
            case .write(let chunk)?: write(chunk)
            case .act(.rotate)?: rotate()
            case .act(.reopen)?: reopen()
            case .flush(let request)?:
                try? file.flush()
                shared.withLock { $0.flushesDone = request }
                shared.broadcast()
            case .stop?: break
            case nil: break
            }
            let now = Clock.monotonicNanoseconds
            let dropped = shared.withLock { shared in
                defer { shared.droppedUnsaid = 0 }
                return shared.droppedUnsaid
            }
            if let count = queueFull.dropped(dropped, now: now) { sayFull(count) }
            if case .stop? = step { break }
            if now >= nextCheck {
                nextCheck = now + 1_000_000_000
                checkDeleted()
            }
        }
        let now = Clock.monotonicNanoseconds
        if let count = queueFull.remaining(now: now) { sayFull(count) }
        if let count = writeFailed.remaining(now: now) { sayFailed(count) }
    }

    /// What to do next, in the order the Recorder asked (nil: nothing yet).
    private func next(_ shared: inout sending ConvertingFileSink.Shared) -> Step? {
        if shared.stopping && Clock.monotonicNanoseconds >= shared.giveUpAt { return .stop }
        if shared.taken < shared.dropThrough {
            // Counted when the stop's grace dropped them; the rotations and reopens among them are still done.
            let end = min(shared.dropThrough, shared.actions.first?.at ?? .max)
            try? shared.queue.commit(end - shared.taken)
            shared.taken = end
        }
        if let first = shared.actions.first, first.at == shared.taken {
            shared.actions.removeFirst()
            return .act(first.action)
        }
        if shared.queue.pendingBytes > 0 {
            let limit = min(shared.actions.first.map { $0.at - shared.taken } ?? .max, Self.chunkBytes)
            let chunk = (try? shared.queue.read(from: 0, limit: limit)) ?? []
            shared.inFlight = chunk.count
            return .write(chunk)
        }
        if shared.flushesDone < shared.flushRequests { return .flush(shared.flushRequests) }
        return shared.stopping ? .stop : nil
    }

    private func write(_ chunk: [UInt8]) {
        let roomBefore = rotating?.bytesBeforeRotation ?? 0
        var failure: LogWriteFailure?
        chunk.withUnsafeBytes { bytes in
            do {
                try converting.write(bytes)
            } catch let error as LogWriteFailure {
                failure = error
            } catch {
                failure = LogWriteFailure(keptBytes: 0, errno: nil, underlying: error)
            }
        }
        let kept = failure?.keptBytes ?? chunk.count
        let (keptLines, lostLines) = chunk.withUnsafeBytes {
            (QueuedSink.lines(in: UnsafeRawBufferPointer(rebasing: $0.prefix(kept))),
             QueuedSink.lines(in: UnsafeRawBufferPointer(rebasing: $0[kept...])))
        }
        let room = rotating?.bytesBeforeRotation ?? .max
        if failure == nil, rotating != nil, room <= roomBefore, kept > 0 {
            converted += roomBefore - room
            native += kept
        }
        let ratio = native > 64 * 1024 ? Double(converted) / Double(native) : nil
        shared.withLock { shared in
            try? shared.queue.commit(chunk.count)
            shared.taken += chunk.count
            shared.inFlight = 0
            shared.queuedRecords -= min(shared.queuedRecords, keptLines + lostLines)
            shared.counters.waiting -= min(shared.counters.waiting, keptLines + lostLines)
            shared.counters.sent += keptLines
            shared.roomAfterTaken = room
            if let ratio { shared.convertedPerNative = ratio }
            guard let failure, lostLines > 0 else { return }
            shared.counters.dropped += lostLines
            shared.counters.droppedWriteFailed += lostLines
            shared.counters.writeError = "\(failure)"
            shared.lateLost += lostLines
            shared.lateLostSinceRotation += lostLines
            if failure.errno == EPIPE {
                shared.closed = "\(failure)"
            }
        }
        shared.broadcast()
        if let failure, lostLines > 0 {
            lastWriteError = "\(failure)"
            if let count = writeFailed.dropped(lostLines, now: Clock.monotonicNanoseconds) { sayFailed(count) }
        }
    }

    private func rotate() {
        // A failure is said by the file (onNotice); records go on in the current file.
        try? rotating?.rotate()
        let room = rotating?.bytesBeforeRotation ?? .max
        shared.withLock { shared in
            shared.lateLostSinceRotation = 0
            shared.roomAfterTaken = room
        }
        shared.broadcast()
    }

    private func reopen() {
        do {
            try file.reopen().forEach(say)
        } catch {
            say("cannot reopen the log on SIGHUP: \(error); records go on into the file opened before")
        }
        let room = rotating?.bytesBeforeRotation ?? .max
        shared.withLock { $0.roomAfterTaken = room }
        shared.broadcast()
    }

    private func checkDeleted() {
        guard watched else { return }
        do {
            if let notice = try file.reopenIfDeleted() { say(notice) }
        } catch {
            shared.withLock { $0.lost = "\(error)" }
        }
    }

    private func sayFull(_ count: UInt64) {
        say("\(name): converting to \(format.rawValue) fell behind (its queue was full); \(count) records dropped for this output alone, "
            + "counted in its proctrace_output_dropped_total (capture and the other outputs go on)")
    }

    private func sayFailed(_ count: UInt64) {
        say("\(name): \(count) records could not be written: \(lastWriteError) (counted; the stop record's unwritten says how many)")
    }
}
