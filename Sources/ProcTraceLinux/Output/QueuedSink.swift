#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// A LogSink for a network output: the record path appends each batch to a
/// queue (memory, or a DiskSpool) and returns; a sender thread of its own
/// delivers the records through a RecordTransport, in order, reconnecting
/// with backoff while the receiver is away. Only a full or failing queue
/// loses records: the write throws LogWriteFailure for them (the Recorder
/// counts them unwritten), they are counted as dropped, with their cause,
/// and the next delivered record says how many. At the stop the sender has
/// a grace of `stopGraceNanoseconds`; what it could not deliver by then
/// stays in the spool, or is counted as dropped.
public final class QueuedSink: LogSink, Sendable {
    public let name: String
    /// What the record thread and the sender share; the sender waits on its
    /// condition for records, or for the stop.
    private let shared: ConditionLock<Shared>
    /// Shared by a recording's network outputs: the first to stop starts the grace for all.
    private let deadline: Deadline
    /// The queue is in memory: what is left at the stop is lost (a spool keeps it).
    private let inMemory: Bool
    /// How long the stop leaves every network output together to deliver what
    /// is queued (well within the unit's TimeoutStopSec=30s).
    public static let stopGraceNanoseconds: Int64 = 5_000_000_000

    fileprivate struct Shared {
        var queue: RecordQueue
        var counters = OutputCounters()
        var droppedUnannounced: UInt64 = 0
        var stopping = false
        var onTrouble: (@Sendable (String) -> Void)?
        /// The transport, until `start` hands it to the sender's thread.
        var transport: RecordTransport?
        var thread: SystemThread?
    }

    /// Called (from the sender thread) with what to say about a receiver in trouble (TroubleReport).
    public var onTrouble: (@Sendable (String) -> Void)? {
        get { shared.withLock { $0.onTrouble } }
        set { shared.withLock { $0.onTrouble = newValue } }
    }

    /// The transport and the queue are the sink's from now on (used by its sender alone, and under its lock).
    public init(transport: sending RecordTransport, queue: sending RecordQueue, stopDeadline: Deadline = Deadline()) {
        name = transport.name
        inMemory = queue is MemoryRecordQueue
        deadline = stopDeadline
        shared = ConditionLock(Shared(queue: queue, transport: transport))
    }

    public var snapshot: OutputCounters { shared.withLock { $0.counters } }

    /// Starts the sender (after capabilities are dropped: the thread gets what the caller has).
    public func start() {
        guard let transport = shared.withLock({ $0.transport.take() }) else { return }
        let sender = QueuedSinkSender(transport: transport, name: name, shared: shared, deadline: deadline)
        let thread = SystemThread.start { sender.run() }
        shared.withLock { $0.thread = thread }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        let batch = bytes.bytes  // a span: the queue copies the bytes, it cannot keep them
        let (accepted, lost, failure) = shared.withLock { shared -> (Int, UInt64, Error?) in
            var accepted = 0
            var failure: Error?
            do {
                accepted = try batch.withUnsafeBytes { try shared.queue.append($0) }
            } catch {
                failure = error
            }
            let added = Self.lines(in: UnsafeRawBufferPointer(rebasing: bytes.prefix(accepted)))
            shared.counters.spooled += added
            shared.counters.waiting += added
            let lost = accepted < bytes.count ? Self.lines(in: UnsafeRawBufferPointer(rebasing: bytes[accepted...])) : 0
            shared.counters.dropped += lost
            if let failure, lost > 0 {
                shared.counters.droppedSpoolFailed += lost
                shared.counters.spoolError = "\(failure)"
            } else {
                shared.counters.droppedFull += lost
            }
            shared.droppedUnannounced += lost
            return (accepted, lost, failure)
        }
        shared.signal()
        if accepted < bytes.count {
            let full = inMemory ? "the queue is full" : "the spool is full"
            let reason = failure.map { "\(name): spool: \($0)" }
                ?? "\(name): \(full) (the receiver is away or slow); \(lost) records dropped"
            throw LogWriteFailure(keptBytes: accepted, errno: (failure as? SystemCallError)?.errno, underlying: DeliveryError(reason))
        }
    }

    /// The recording ends: the sender has the stop's grace, from now, to
    /// deliver what is queued. Returns at once (stop waits), so that every
    /// output's grace runs at the same time.
    public func flush() throws {
        deadline.bringForward(to: Clock.monotonicNanoseconds + Self.stopGraceNanoseconds)
    }

    /// Stops the sender, at the latest when the stop's grace runs out. What
    /// is still queued stays in a spool for the next run; in memory it is
    /// lost, and counted as dropped.
    public func stop() {
        deadline.bringForward(to: Clock.monotonicNanoseconds + Self.stopGraceNanoseconds)
        let thread = shared.withLock { shared in
            shared.stopping = true
            return shared.thread.take()
        }
        shared.signal()
        thread?.join()
        if inMemory {
            shared.withLock { shared in
                shared.counters.dropped += shared.counters.waiting
                shared.counters.droppedAtStop += shared.counters.waiting
                shared.counters.waiting = 0
            }
        }
    }

    static func lines(in bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard var cursor = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var remaining = bytes.count
        var count: UInt64 = 0
        while remaining > 0, let found = memchr(cursor, 0x0a, remaining) {
            count += 1
            let next = UnsafeRawPointer(found) + 1
            remaining -= next - cursor
            cursor = next
        }
        return count
    }
}

// MARK: the sender thread

/// Delivers what a QueuedSink queued, in order, on a thread of its own: the transport is its alone.
private final class QueuedSinkSender {

    /// One line sent and not committed yet. A mark per line, not per chunk:
    /// a break commits every line the receiver has, so a chunk of hundreds of
    /// lines is not sent again for its last unanswered few.
    private struct Mark {
        var queueEnd: Int
        var wireEnd: UInt64
        var time: Int64
        /// Drops announced on this line: announced again if it must be resent.
        var announced: UInt64
        /// The recorder of the line.
        var recorderPid: Int32?
    }

    /// What the sender thread keeps from one round to the next.
    private struct SenderState {
        var sentOffset = 0
        var marks: [Mark] = []
        var connected = false
        var connectedAt: Int64 = 0
        // Until a connection has delivered something, one chunk at a time:
        // a receiver that breaks every connection gets one chunk each, not the backlog.
        var proven = false
        var backoff = ReconnectBackoff()
        var trouble: TroubleReport
        var announce: UInt64 = 0
        // The recorder of the lines being sent, and of the last committed one (where a resend starts).
        var recorderPid: Int32?
        var committedRecorderPid: Int32?
        // A stop ends the pause before the next attempt: one more try, within the grace.
        var failuresWhileStopping = 0
    }

    private let transport: RecordTransport
    private let name: String
    private let shared: ConditionLock<QueuedSink.Shared>
    private let deadline: Deadline

    init(transport: RecordTransport, name: String, shared: ConditionLock<QueuedSink.Shared>, deadline: Deadline) {
        self.transport = transport
        self.name = name
        self.shared = shared
        self.deadline = deadline
    }

    func run() {
        // Its own name in top -H and /proc/PID/task/*/comm: what a network output costs is seen apart.
        _ = pt_thread_set_name("proctrace-send")
        let decoder = JSONLineDecoder()
        var state = SenderState(trouble: TroubleReport(name: name))
        while true {
            let (chunk, isStopping) = nextChunk(&state)
            if isStopping && (chunk.isEmpty && state.marks.isEmpty || deadline.hasPassed
                              || !state.connected && state.failuresWhileStopping > 0) {
                break
            }
            if !state.connected && !connect(&state, isStopping: isStopping) { continue }
            var failure = send(chunk, &state, decoder: decoder)
            var acknowledged: UInt64?
            if failure == nil {
                acknowledged = transport.acknowledgedBytes()
                if acknowledged == nil { failure = "\(name): the receiver closed the connection" }
            }
            if let failure {
                recover(from: failure, &state, isStopping: isStopping)
                continue
            }
            if commitSettled(&state.marks, &state.sentOffset, acknowledged: acknowledged ?? 0,
                             recorderPid: &state.committedRecorderPid) {
                state.proven = true
                state.backoff.reset()
                if let line = state.trouble.delivered(now: Clock.monotonicNanoseconds) { say(line) }
            }
            if chunk.isEmpty && !state.marks.isEmpty { usleep(20_000) }
        }
        if let line = state.trouble.unsaid(now: Clock.monotonicNanoseconds) { say(line) }
        transport.disconnect()
    }

    /// The next lines to send (none while a new connection proves itself),
    /// and whether the sink is stopping; waits a little when there is nothing.
    private func nextChunk(_ state: inout SenderState) -> (chunk: [UInt8], isStopping: Bool) {
        let (sentOffset, marked) = (state.sentOffset, !state.marks.isEmpty)
        _ = shared.wait(until: Clock.monotonicNanoseconds + 200_000_000) { shared in
            shared.queue.pendingBytes > sentOffset || marked || shared.stopping ? () : nil
        }
        let proving = state.connected && !state.proven && marked
        let (chunk, stopping, dropped) = shared.withLock { shared -> ([UInt8], Bool, UInt64) in
            guard !(proving && !shared.stopping) else { return ([], shared.stopping, 0) }
            let chunk = (try? shared.queue.read(from: sentOffset, limit: 256 * 1024)) ?? []
            // Drops counted since the last look ride on the next line sent,
            // with any still waiting for a line (the chunk read under the same
            // lock holds every line queued before them).
            defer { shared.droppedUnannounced = 0 }
            return (chunk, shared.stopping, shared.droppedUnannounced)
        }
        state.announce += dropped
        return (chunk, stopping)
    }

    /// Connects; on failure says so (when it is time) and waits the backoff.
    private func connect(_ state: inout SenderState, isStopping: Bool) -> Bool {
        do {
            try transport.connect(until: deadline)
            state.connected = true
            state.connectedAt = Clock.monotonicNanoseconds
            state.proven = false
            return true
        } catch {
            if isStopping { state.failuresWhileStopping += 1 }
            if let line = state.trouble.failed("\(error)", connecting: true, now: Clock.monotonicNanoseconds) { say(line) }
            pause(nanoseconds: state.backoff.nextWait())
            return false
        }
    }

    /// Sends the chunk's lines in order; returns what went wrong, if anything.
    private func send(_ chunk: [UInt8], _ state: inout SenderState, decoder: JSONLineDecoder) -> String? {
        var failure: String?
        chunk.withUnsafeBytes { all in
            var start = 0
            while start < all.count, let newline = all[start...].firstIndex(of: 0x0a) {
                let line = UnsafeRawBufferPointer(rebasing: all[start..<newline])
                let event = try? decoder.decode(line)
                if let event, event.kind == .start, let stream = event.stream { state.recorderPid = stream.recorderPid }
                do {
                    let record = OutgoingRecord(line: line, event: event, droppedBefore: state.announce, recorderPid: state.recorderPid)
                    try transport.send(record, until: deadline)
                } catch {
                    failure = "\(error)"
                    return
                }
                start = newline + 1
                state.sentOffset += line.count + 1
                state.marks.append(Mark(queueEnd: state.sentOffset, wireEnd: transport.bytesSent, time: Clock.monotonicNanoseconds,
                                        announced: state.announce, recorderPid: state.recorderPid))
                state.announce = 0
            }
        }
        return failure
    }

    /// After a broken connection: keep what is delivered, resend the rest
    /// after the backoff (some may arrive twice, same seq; none is missing).
    private func recover(from failure: String, _ state: inout SenderState, isStopping: Bool) {
        // What the receiver is known to have (a datagram that went out, a RELP answer) is kept:
        // only what follows is sent again.
        commitSettled(&state.marks, &state.sentOffset, acknowledged: transport.deliveredBeforeBreak,
                      recorderPid: &state.committedRecorderPid)
        transport.disconnect()
        state.connected = false
        state.sentOffset = 0
        state.recorderPid = state.committedRecorderPid
        // The lines that said how many were dropped may not have arrived.
        state.announce += state.marks.reduce(0) { $0 + $1.announced }
        state.marks.removeAll()
        let now = Clock.monotonicNanoseconds
        if now - state.connectedAt >= ReconnectBackoff.provenAfter { state.backoff.reset() }
        if isStopping { state.failuresWhileStopping += 1 }
        if deadline.hasPassed { return }  // the stop's summary says what is left
        if let line = state.trouble.failed(failure, connecting: false, now: now) { say(line) }
        pause(nanoseconds: state.backoff.nextWait())
    }

    /// Sleeps between connection attempts; a stop ends the pause at once
    /// (new records, which also wake the sender, do not).
    private func pause(nanoseconds: Int64) {
        _ = shared.wait(until: Clock.monotonicNanoseconds + nanoseconds) { $0.stopping ? () : nil }
    }

    private func say(_ line: String) {
        shared.withLock { $0.onTrouble }?(line)
    }

    /// Commits the marks the receiver acknowledged and kept for the settle
    /// time; returns whether there were any.
    @discardableResult
    private func commitSettled(_ marks: inout [Mark], _ sentOffset: inout Int, acknowledged: UInt64,
                               recorderPid: inout Int32?) -> Bool {
        let now = Clock.monotonicNanoseconds
        var settled = 0
        while settled < marks.count, marks[settled].wireEnd <= acknowledged,
              now - marks[settled].time >= transport.settleNanoseconds {
            settled += 1
        }
        guard settled > 0 else { return false }
        let bytes = marks[settled - 1].queueEnd
        recorderPid = marks[settled - 1].recorderPid
        let lines = UInt64(settled)
        marks.removeFirst(settled)
        for index in marks.indices { marks[index].queueEnd -= bytes }
        sentOffset -= bytes
        let failure = shared.withLock { shared -> String? in
            shared.counters.sent += lines
            shared.counters.waiting -= min(lines, shared.counters.waiting)
            do {
                try shared.queue.commit(bytes)
                return nil
            } catch {
                return "spool: \(error)"
            }
        }
        if let failure { say("\(name): \(failure)") }
        return true
    }
}

/// A failure of an output, said in one line.
public struct DeliveryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
