#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// The file behind a ConvertingFileSink (a FileSink or a RotatingFileSink): only the sink's writer thread touches it.
public typealias ReopenableLogFile = LogSink & ReopenableLog

/// A file or standard output written in ECS or OCSF (`--format`). The record
/// path copies each native batch into a bounded queue and returns; a writer
/// thread of its own converts it (FormattingSink) and writes it, so the
/// conversion (about 6 ms of CPU per 1,000 records) never sits between the
/// ring and its next poll. What does not fit the queue is dropped for this
/// output alone, counted and said; so is what the file cannot take (a full
/// disk). A rotation or a reopen (SIGHUP) is queued between the lines where
/// the Recorder asked for it, so a file's heads and seals stay in that file.
public final class ConvertingFileSink: RotatingLogSink, DeferredLogSink, ReopenableLog, Sendable {
    /// The queue's bounds: a storm's records wait here while the converter
    /// catches up; past them, this output drops.
    public static let queueBytes = 16 << 20
    public static let queueRecords: UInt64 = 65_536
    /// How long the stop leaves the writer to write what is queued (a local file: plenty).
    public static let stopGraceNanoseconds: Int64 = 5_000_000_000
    /// After that, the `stop` record and its seal still get this long (the
    /// writer finishes the chunk it is in, skips the rest and writes them).
    public static let tailGraceNanoseconds: Int64 = 2_000_000_000

    public let name: String
    private let format: OutputFormat
    /// The file's size limit, when it rotates.
    private let maximumBytes: Int?
    private let shared: ConditionLock<Shared>
    private let stopGrace: Int64
    private let watched: Bool
    private let say: @Sendable (String) -> Void
    private let handover: FileHandover

    enum Action { case rotate, reopen }

    struct Shared {
        var queue: MemoryRecordQueue
        let recordLimit: UInt64
        var queuedRecords: UInt64 = 0
        /// Native bytes ever queued, and of them those the writer took (written or not).
        var appended = 0
        var taken = 0
        /// Bytes the writer read and is converting (not taken yet).
        var inFlight = 0
        /// What was appended before this is dropped untaken (the stop's grace ran out; counted then).
        var dropThrough = 0
        /// When the stop's grace ends (the writer stops at the next step; what is queued is dropped).
        var giveUpAt: Int64 = .max
        /// Rotations and reopens, at the `appended` they were asked for at.
        var actions: [(at: Int, action: Action)] = []
        var counters = OutputCounters()
        var droppedUnsaid: UInt64 = 0
        /// What the file may still take, as of the writer's last write (its rotation point).
        var roomAfterTaken: Int
        /// Converted bytes per native byte so far (to foresee the file's size).
        var convertedPerNative = 3.0
        /// Records the file did not take, for the Recorder's `stop` (DeferredLogSink).
        var lateLost: UInt64 = 0
        var lateLostSinceRotation: UInt64 = 0
        /// A pipe's reader went away (EPIPE): later batches fail at once, as a native output's do.
        var closed: String?
        /// The file was deleted and could not be made again.
        var lost: String?
        var flushRequests = 0
        var flushesDone = 0
        var stopping = false
        var thread: SystemThread?
    }

    /// - Parameters:
    ///   - file: the writer thread's alone from now on.
    ///   - watched: whether to check once a second that the file was not deleted.
    ///   - maximumBytes: the size the file rotates at (nil: it does not).
    ///   - onNotice: hears, on the writer thread, what there is to say.
    public init(_ file: ReopenableLogFile, name: String, format: OutputFormat, watched: Bool, maximumBytes: Int? = nil,
                queueBytes: Int = ConvertingFileSink.queueBytes, queueRecords: UInt64 = ConvertingFileSink.queueRecords,
                stopGrace: Int64 = ConvertingFileSink.stopGraceNanoseconds, onNotice: @escaping @Sendable (String) -> Void) {
        self.name = name
        self.stopGrace = stopGrace
        self.format = format
        self.watched = watched
        say = onNotice
        let rotating = file as? RotatingLogSink
        self.maximumBytes = rotating == nil ? nil : maximumBytes
        shared = ConditionLock(Shared(queue: MemoryRecordQueue(capacity: queueBytes), recordLimit: queueRecords,
                                      roomAfterTaken: rotating?.bytesBeforeRotation ?? .max))
        handover = FileHandover(file)
    }

    public var snapshot: OutputCounters { shared.withLock { $0.counters } }

    /// Starts the writer (after capabilities are dropped: the thread gets what the caller has).
    public func start() {
        guard let file = handover.take() else { return }
        let writer = ConvertingFileWriter(file: file, name: name, format: format, watched: watched, say: say, shared: shared)
        let thread = SystemThread.start { writer.run() }
        shared.withLock { $0.thread = thread }
        if thread == nil { say("\(name): no thread to convert to \(format.rawValue) on; its records are dropped") }
    }

    // MARK: the record thread

    /// Copies the batch into the queue (what fits, whole lines) and returns.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        let records = QueuedSink.lines(in: bytes)
        let batch = bytes.bytes  // a span: the queue copies the bytes, it cannot keep them
        let (accepted, lost, closed) = shared.withLock { shared -> (Int, UInt64, String?) in
            if let closed = shared.closed {
                shared.counters.dropped += records
                shared.counters.droppedWriteFailed += records
                return (0, records, closed)
            }
            let room = shared.recordLimit - min(shared.queuedRecords, shared.recordLimit)
            let (accepted, added) = batch.withUnsafeBytes { batch -> (Int, UInt64) in
                let fits = records > room ? Self.prefix(of: batch, lines: room) : batch.count
                let accepted = (try? shared.queue.append(UnsafeRawBufferPointer(rebasing: batch.prefix(fits)))) ?? 0
                return (accepted, accepted == batch.count ? records
                        : QueuedSink.lines(in: UnsafeRawBufferPointer(rebasing: batch.prefix(accepted))))
            }
            shared.appended += accepted
            shared.queuedRecords += added
            shared.counters.spooled += added
            shared.counters.waiting += added
            let lost = records - added
            shared.counters.dropped += lost
            shared.counters.droppedFull += lost
            shared.droppedUnsaid += lost
            return (accepted, lost, nil)
        }
        shared.broadcast()
        if let closed { throw LogWriteFailure(keptBytes: 0, errno: EPIPE, underlying: DeliveryError(closed)) }
        if accepted < bytes.count {
            throw LogWriteFailure(keptBytes: accepted, errno: nil, underlying: DeliveryError(
                "\(name): converting to \(format.rawValue) falls behind (its queue is full); \(lost) records dropped for this output alone"))
        }
    }

    /// The length of the first `lines` lines of `bytes`.
    public static func prefix(of bytes: UnsafeRawBufferPointer, lines: UInt64) -> Int {
        var end = 0
        var left = lines
        while left > 0, end < bytes.count, let newline = bytes[end...].firstIndex(of: 0x0a) {
            end = newline + 1
            left -= 1
        }
        return end
    }

    /// What the file may still take, foreseen from what is queued for it
    /// (converted lines are longer than native ones; the ratio is measured).
    public var bytesBeforeRotation: Int {
        guard let maximumBytes else { return .max }
        let (room, native, ratio) = shared.withLock { shared -> (Int, Int, Double) in
            if let rotation = shared.actions.last(where: { $0.action == .rotate }) {
                return (maximumBytes, shared.appended - rotation.at, shared.convertedPerNative)
            }
            return (shared.roomAfterTaken, shared.appended - shared.taken, shared.convertedPerNative)
        }
        return max(0, room - Int(Double(native) * ratio))
    }

    public var needsRotation: Bool { bytesBeforeRotation == 0 }

    /// Rotates once the writer has written what came before (a failure is said by the file).
    public func rotate() throws { queue(.rotate) }

    /// SIGHUP: reopens once the writer has written what came before; what opening says is said then.
    public func reopen() throws -> [String] {
        queue(.reopen)
        return []
    }

    private func queue(_ action: Action) {
        shared.withLock { $0.actions.append(($0.appended, action)) }
        shared.broadcast()
    }

    /// Throws when the writer found the file deleted and could not make it again (recording then
    /// stops); the writer itself checks once a second and makes it again.
    public func reopenIfDeleted() throws -> String? {
        if let lost = shared.withLock({ $0.lost }) { throw DeliveryError(lost) }
        return nil
    }

    // MARK: the stop

    /// Waits, within the stop's grace, until what is queued is written. What
    /// the grace leaves is dropped then, so that it is counted in the `stop`
    /// record, which is written after it, with its seal, in a grace of its own.
    public func settle() -> (lost: UInt64, sinceRotation: UInt64) {
        let written = waitForWriter { $0.taken == $0.appended && $0.actions.isEmpty }
        let (lost, sinceRotation, dropped) = shared.withLock { shared -> (UInt64, UInt64, UInt64) in
            let (dropped, droppedSinceRotation) = written ? (0, 0) : Self.dropUntaken(&shared, tailGrace: Self.tailGraceNanoseconds)
            defer { (shared.lateLost, shared.lateLostSinceRotation) = (0, 0) }
            return (shared.lateLost + dropped, shared.lateLostSinceRotation + droppedSinceRotation, dropped)
        }
        shared.broadcast()
        if dropped > 0 {
            say("\(name): \(dropped) records still queued for conversion when the stop's grace (\(stopGrace / 1_000_000_000) s) "
                + "ran out; dropped, and counted in the stop record's unwritten")
        }
        return (lost, sinceRotation)
    }

    /// Drops what is queued and not being converted, counting its records
    /// (and those after the last rotation asked for); the writer skips them.
    private static func dropUntaken(_ shared: inout Shared, tailGrace: Int64) -> (UInt64, UInt64) {
        shared.giveUpAt = Clock.monotonicNanoseconds + tailGrace
        let from = shared.taken + shared.inFlight
        guard shared.appended > from else { return (0, 0) }
        let bytes = (try? shared.queue.read(from: shared.inFlight, limit: shared.appended - from)) ?? []
        let rotatedAt = min(bytes.count, max(0, (shared.actions.last { $0.action == .rotate }?.at ?? 0) - from))
        let (records, sinceRotation) = bytes.withUnsafeBytes { bytes in
            (QueuedSink.lines(in: bytes), QueuedSink.lines(in: UnsafeRawBufferPointer(rebasing: bytes[rotatedAt...])))
        }
        shared.dropThrough = shared.appended
        shared.queuedRecords -= min(shared.queuedRecords, records)
        shared.counters.waiting -= min(shared.counters.waiting, records)
        shared.counters.dropped += records
        shared.counters.droppedAtStop += records
        return (records, sinceRotation)
    }

    /// Waits, within the stop's grace, until what is queued is written and the file flushed.
    public func flush() throws {
        let request = shared.withLock { shared in
            shared.flushRequests += 1
            return shared.flushRequests
        }
        waitForWriter { $0.flushesDone >= request }
    }

    /// Starts the stop's grace (the first call; later ones share it) and waits within it; false: it ran out.
    @discardableResult
    private func waitForWriter(until done: @escaping (Shared) -> Bool) -> Bool {
        let giveUpAt = startGrace()
        return shared.wait(until: giveUpAt) { shared in
            done(shared) || shared.thread == nil ? () : nil
        } != nil
    }

    private func startGrace() -> Int64 {
        let giveUpAt = shared.withLock { shared in
            if shared.giveUpAt == .max { shared.giveUpAt = Clock.monotonicNanoseconds + stopGrace }
            return shared.giveUpAt
        }
        shared.broadcast()
        return giveUpAt
    }

    /// Ends the writer, at the latest when the stop's grace runs out; what is
    /// still queued then is counted as dropped.
    public func stop() {
        _ = startGrace()
        let thread = shared.withLock { shared in
            shared.stopping = true
            return shared.thread.take()
        }
        shared.broadcast()
        thread?.join()
        let left = shared.withLock { shared in
            let left = shared.queuedRecords
            shared.queuedRecords = 0
            shared.counters.dropped += left
            shared.counters.droppedAtStop += left
            shared.counters.waiting = 0
            return left
        }
        if left > 0 {
            say("\(name): \(left) records still queued for conversion when the stop's grace ran out; dropped")
        }
    }
}

/// The file on its way from the record thread, which opens it, to the
/// writer's thread, which alone uses it from `start` on: never both at once.
private final class FileHandover: @unchecked Sendable {
    private var file: ReopenableLogFile?

    init(_ file: ReopenableLogFile) { self.file = file }

    /// The file, once (`start` is called once, on the record thread).
    func take() -> ReopenableLogFile? { file.take() }
}
