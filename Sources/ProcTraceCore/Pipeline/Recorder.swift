/// The record pipeline: source → tree → filter → JSON line → buffered write.
///
/// One encoded batch per poll goes out in a single write; nothing on the
/// per-event path allocates except what an exec's strings need.
///
/// The properties touched per event are exempt from Swift's run-time
/// exclusivity checks (each checked access is a call into the runtime; with
/// them the pipeline ran at half speed, measured with callgrind). The
/// Recorder is used from one thread and never hands out overlapping accesses.
public final class Recorder {
    public let source: EventSource
    public let tree: ProcessTree
    private let sink: LogSink
    private let encoder = JSONLineEncoder()
    private let buffer: ByteBuffer
    private let flushThreshold: Int
    /// Flush once the buffer holds this much: the buffer's threshold, or
    /// less when the log file should rotate sooner (so files end near their size).
    @exclusivity(unchecked) private var flushAt: Int
    /// Decides which events are written (all are applied to the tree).
    @exclusivity(unchecked) public var filter: ((Event, ProcessTree) -> Bool)?
    /// Runs on each event before it is written (e.g. redaction); nil costs nothing.
    @exclusivity(unchecked) public var transform: ((inout Event) -> Void)?
    /// Runs after each event is applied to the tree and may return derived
    /// events (e.g. re-parenting), already applied to the tree, to write after it.
    @exclusivity(unchecked) public var derive: ((Event, ProcessTree) -> [Event])?
    /// Runs once per batch for derived events that were not ready before
    /// (also already applied to the tree).
    @exclusivity(unchecked) public var deriveAfterBatch: ((ProcessTree, Int64) -> [Event])?

    @exclusivity(unchecked) public private(set) var nextSeq: UInt64 = 1
    public private(set) var written: UInt64 = 0
    @exclusivity(unchecked) public private(set) var lostTotal: UInt64 = 0
    /// Records encoded but lost to a write error (full disk, closed pipe).
    public private(set) var unwritten: UInt64 = 0
    public private(set) var lastWriteError: Error?
    @exclusivity(unchecked) private var linesInBuffer: UInt64 = 0
    @exclusivity(unchecked) private var lastEventTime: Int64 = 0
    private var stream: StreamInfo?
    /// Sequence number of the newest `start` (the head of the current file).
    private var startSeq: UInt64 = 1
    private var unwrittenSinceStart: UInt64 = 0
    public private(set) var rotations = 0

    public init(source: EventSource, sink: LogSink, tree: ProcessTree = ProcessTree(),
                bufferCapacity: Int = 256 * 1024) {
        self.source = source
        self.sink = sink
        self.tree = tree
        buffer = ByteBuffer(capacity: bufferCapacity)
        flushThreshold = bufferCapacity - 4096
        flushAt = flushThreshold
        updateFlushPoint()
    }

    private func updateFlushPoint() {
        if let rotating = sink as? RotatingLogSink {
            flushAt = max(1, min(flushThreshold, rotating.bytesBeforeRotation))
        }
    }

    /// Writes and flushes the `start` record (call once the source is listening).
    public func start(_ stream: StreamInfo, time: Int64) throws {
        self.stream = stream
        var event = Event(kind: .start, time: time)
        event.stream = stream
        lastEventTime = time
        startSeq = nextSeq
        append(&event)
        try flush()
    }

    /// Applies and writes the snapshot of running processes.
    public func record(snapshot: [Event]) throws {
        for var event in snapshot {
            process(&event)
        }
        try flush()
    }

    /// Polls the source once and writes what arrived. Returns events delivered.
    @discardableResult
    public func pump(timeoutMilliseconds: Int32) throws -> Int {
        let count = try source.poll(timeoutMilliseconds: timeoutMilliseconds) { event in
            self.process(&event)
        }
        if let deriveAfterBatch {
            for var derived in deriveAfterBatch(tree, lastEventTime) {
                write(&derived)
            }
        }
        try flush()
        return count
    }

    /// Processes one event as if it came from the source.
    @inline(__always)
    public func process(_ event: inout Event) {
        tree.apply(&event)
        if event.kind == .lost { lostTotal += event.lostCount ?? 0 }
        write(&event)
        if let derive {
            for var derived in derive(event, tree) {
                write(&derived)
            }
        }
    }

    @inline(__always)
    private func write(_ event: inout Event) {
        if event.time > lastEventTime { lastEventTime = event.time }
        if let filter, !filter(event, tree) { return }
        if let transform { transform(&event) }
        append(&event)
        if buffer.count >= flushAt { try? flush() }
    }

    @inline(__always)
    private func append(_ event: inout Event) {
        event.seq = nextSeq
        nextSeq += 1
        encoder.append(event, to: buffer)
        linesInBuffer += 1
    }

    /// Writes the buffered lines in one call. On a write error the lines are
    /// counted as unwritten and the error kept; recording goes on.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        defer {
            buffer.removeAll()
            linesInBuffer = 0
        }
        do {
            try sink.write(buffer.bytes)
            written += linesInBuffer
        } catch {
            let kept = (error as? LogWriteFailure).map { linesIn(prefix: $0.keptBytes) } ?? 0
            written += kept
            unwritten += linesInBuffer - kept
            unwrittenSinceStart += linesInBuffer - kept
            lastWriteError = error
            throw error
        }
        if let rotating = sink as? RotatingLogSink, rotating.needsRotation {
            buffer.removeAll()
            linesInBuffer = 0
            try rotate(rotating)
        }
        updateFlushPoint()
    }

    private func linesIn(prefix length: Int) -> UInt64 {
        var lines: UInt64 = 0
        for byte in UnsafeRawBufferPointer(rebasing: buffer.bytes.prefix(length)) where byte == 0x0a { lines += 1 }
        return lines
    }

    /// The next file starts with `start` and every live process as `exists`,
    /// numbered on from the last record of the previous file.
    private func rotate(_ sink: RotatingLogSink) throws {
        try sink.rotate()
        rotations += 1
        unwrittenSinceStart = 0
        guard let stream else { return }
        var start = Event(kind: .start, time: lastEventTime)
        start.stream = stream
        startSeq = nextSeq
        append(&start)
        for var exists in tree.existsEvents(time: lastEventTime) {
            if let filter, !filter(exists, tree) { continue }
            if let transform { transform(&exists) }
            append(&exists)
        }
        try sink.write(buffer.bytes)
        written += linesInBuffer
        buffer.removeAll()
        linesInBuffer = 0
    }

    /// Drains what the source still holds, then writes `stop` and flushes.
    public func finish(time: Int64, drainLimit: Int = 64) throws {
        var rounds = 0
        while rounds < drainLimit, (try? pump(timeoutMilliseconds: 0)) ?? 0 > 0 {
            rounds += 1
        }
        var stop = Event(kind: .stop, time: max(time, lastEventTime))
        // Everything numbered since this file's `start`, less what never reached the log.
        stop.eventCount = nextSeq - startSeq - 1 - unwrittenSinceStart
        stop.lostCount = lostTotal
        stop.unwrittenCount = unwritten
        append(&stop)
        try flush()
        try sink.flush()
    }
}
