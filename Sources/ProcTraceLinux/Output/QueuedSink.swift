#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// A LogSink for a network output: the record path appends each batch to a
/// queue (memory, or a DiskSpool) and returns; a sender thread of its own
/// delivers the records through a RecordTransport, in order, reconnecting
/// while the receiver is away. Only a full queue loses records: the write
/// throws LogWriteFailure for them (the Recorder counts them unwritten), they
/// are counted as dropped, and the next delivered record says how many.
public final class QueuedSink: LogSink {
    public let transport: RecordTransport
    private let queue: RecordQueue
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var counters = OutputCounters()
    private var droppedUnannounced: UInt64 = 0
    private var stopping = false
    private var thread: pthread_t?
    /// How long flush waits for the receiver to take what is queued.
    public var drainNanoseconds: Int64 = 5_000_000_000
    /// Called (from the sender thread) once per outage with what went wrong.
    public var onTrouble: ((String) -> Void)?
    private var lastError: String?

    public init(transport: RecordTransport, queue: RecordQueue) {
        self.transport = transport
        self.queue = queue
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        counters.waiting = 0
    }

    deinit {
        pthread_cond_destroy(wake)
        pthread_mutex_destroy(lock)
        lock.deallocate()
        wake.deallocate()
    }

    public var name: String { transport.name }

    public var snapshot: OutputCounters {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return counters
    }

    /// Starts the sender (after capabilities are dropped: the thread gets what the caller has).
    public func start() {
        guard thread == nil else { return }
        var created = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&created, nil, { context in
            let sink = Unmanaged<QueuedSink>.fromOpaque(context!).takeRetainedValue()
            sink.sendLoop()
            return nil
        }, context)
        if status == 0 {
            thread = created
        } else {
            Unmanaged<QueuedSink>.fromOpaque(context).release()
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        pthread_mutex_lock(lock)
        var accepted = 0
        var failure: Error?
        do {
            accepted = try queue.append(bytes)
        } catch {
            failure = error
        }
        let added = Self.lines(in: UnsafeRawBufferPointer(rebasing: bytes.prefix(accepted)))
        counters.spooled += added
        counters.waiting += added
        let lost = accepted < bytes.count ? Self.lines(in: UnsafeRawBufferPointer(rebasing: bytes[accepted...])) : 0
        counters.dropped += lost
        if let failure, lost > 0 {
            counters.droppedSpoolFailed += lost
            counters.spoolError = "\(failure)"
        } else {
            counters.droppedFull += lost
        }
        droppedUnannounced += lost
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
        if accepted < bytes.count {
            let full = queue is MemoryRecordQueue ? "the queue is full" : "the spool is full"
            let reason = failure.map { "\(transport.name): spool: \($0)" }
                ?? "\(transport.name): \(full) (the receiver is away or slow); \(lost) records dropped"
            throw LogWriteFailure(keptBytes: accepted, errno: (failure as? SystemCallError)?.errno, underlying: DeliveryError(reason))
        }
    }

    /// Waits, at most drainNanoseconds, for the receiver to have everything queued.
    public func flush() throws {
        let deadline = Clock.monotonicNanoseconds + drainNanoseconds
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while queue.pendingBytes > 0 && thread != nil && Clock.monotonicNanoseconds < deadline {
            pthread_mutex_unlock(lock)
            usleep(20_000)
            pthread_mutex_lock(lock)
        }
    }

    /// Stops the sender. What is still queued stays in a spool for the next
    /// run; in memory it is lost, and counted as dropped.
    public func stop() {
        pthread_mutex_lock(lock)
        stopping = true
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
        if let thread { pthread_join(thread, nil) }
        thread = nil
        if queue is MemoryRecordQueue {
            pthread_mutex_lock(lock)
            counters.dropped += counters.waiting
            counters.droppedAtStop += counters.waiting
            counters.waiting = 0
            pthread_mutex_unlock(lock)
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

    // MARK: the sender thread

    private struct Mark {
        var queueEnd: Int
        var wireEnd: UInt64
        var lines: UInt64
        var time: Int64
        /// Drops announced on these lines: announced again if they must be resent.
        var announced: UInt64
    }

    private func sendLoop() {
        let decoder = JSONLineDecoder()
        var sentOffset = 0
        var marks: [Mark] = []
        var connected = false
        var backoff: UInt32 = 100_000
        var announce: UInt64 = 0
        var stoppedAt: Int64?
        while true {
            pthread_mutex_lock(lock)
            if queue.pendingBytes <= sentOffset && marks.isEmpty && !stopping {
                var until = timespec()
                clock_gettime(CLOCK_REALTIME, &until)
                until.tv_nsec += 200_000_000
                if until.tv_nsec >= 1_000_000_000 { until.tv_sec += 1; until.tv_nsec -= 1_000_000_000 }
                pthread_cond_timedwait(wake, lock, &until)
            }
            let isStopping = stopping
            let chunk = (try? queue.read(from: sentOffset, limit: 256 * 1024)) ?? []
            // Drops counted since the last look ride on the next line sent,
            // with any still waiting for a line (the chunk read under the same
            // lock holds every line queued before them).
            announce += droppedUnannounced
            droppedUnannounced = 0
            pthread_mutex_unlock(lock)
            if isStopping {
                stoppedAt = stoppedAt ?? Clock.monotonicNanoseconds
                let late = Clock.monotonicNanoseconds - stoppedAt! > 2_000_000_000
                if chunk.isEmpty && marks.isEmpty || !connected || late { break }
            }

            if !connected {
                do {
                    try transport.connect()
                    connected = true
                    backoff = 100_000
                    if lastError != nil { onTrouble?("\(transport.name): connected again; sending what waited") }
                    lastError = nil
                } catch {
                    report("\(error)")
                    usleep(backoff)
                    backoff = min(backoff * 2, 1_000_000)
                    continue
                }
            }

            var broke = false
            var sentLines: UInt64 = 0
            var sentAnnounced: UInt64 = 0
            chunk.withUnsafeBytes { all in
                var start = 0
                while start < all.count, let newline = all[start...].firstIndex(of: 0x0a) {
                    let line = UnsafeRawBufferPointer(rebasing: all[start..<newline])
                    let event = try? decoder.decode(line)
                    do {
                        try transport.send(line: line, event: event, droppedBefore: announce)
                    } catch {
                        report("\(error)")
                        broke = true
                        return
                    }
                    sentAnnounced += announce
                    announce = 0
                    sentLines += 1
                    start = newline + 1
                    sentOffset += line.count + 1
                }
            }
            if sentLines > 0 {
                marks.append(Mark(queueEnd: sentOffset, wireEnd: transport.bytesSent, lines: sentLines,
                                  time: Clock.monotonicNanoseconds, announced: sentAnnounced))
            }
            var acknowledged: UInt64?
            if !broke {
                acknowledged = transport.acknowledgedBytes()
                if acknowledged == nil {
                    report("\(transport.name): the receiver closed the connection")
                    broke = true
                }
            }
            if broke {
                // A datagram that went out is delivered: keep those, so only
                // what follows is sent again.
                if transport.settleNanoseconds == 0 {
                    commitSettled(&marks, &sentOffset, acknowledged: transport.bytesSent)
                }
                // Resend everything not committed: some may arrive twice (same seq), none is missing.
                transport.disconnect()
                connected = false
                sentOffset = 0
                // The lines that said how many were dropped may not have arrived.
                announce += marks.reduce(0) { $0 + $1.announced }
                marks.removeAll()
                continue
            }
            commitSettled(&marks, &sentOffset, acknowledged: acknowledged ?? 0)
            if chunk.isEmpty && !marks.isEmpty { usleep(20_000) }
        }
        transport.disconnect()
    }

    private func commitSettled(_ marks: inout [Mark], _ sentOffset: inout Int, acknowledged: UInt64) {
        let now = Clock.monotonicNanoseconds
        var settled = 0
        while settled < marks.count, marks[settled].wireEnd <= acknowledged,
              now - marks[settled].time >= transport.settleNanoseconds {
            settled += 1
        }
        guard settled > 0 else { return }
        let bytes = marks[settled - 1].queueEnd
        let lines = marks[..<settled].reduce(0) { $0 + $1.lines }
        marks.removeFirst(settled)
        for index in marks.indices { marks[index].queueEnd -= bytes }
        sentOffset -= bytes
        pthread_mutex_lock(lock)
        do {
            try queue.commit(bytes)
        } catch {
            report("\(transport.name): spool: \(error)")
        }
        counters.sent += lines
        counters.waiting -= min(lines, counters.waiting)
        pthread_mutex_unlock(lock)
    }

    private func report(_ message: String) {
        guard lastError == nil else { return }
        lastError = message
        onTrouble?(message + "; records wait and are sent when it is back")
    }
}

/// A failure of an output, said in one line.
public struct DeliveryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
