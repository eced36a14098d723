#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import Synchronization
import Testing

/// The sender of a network output against a transport of the test's own:
/// which recorder each record is said to come from, and what a break resends.
@Suite(.blocking)
struct QueuedSinkTests {
    /// Takes every record at once and notes the recorder it was sent as
    /// (read by the test once the sink has stopped: the sink sends from its own thread).
    final class NotingTransport: RecordTransport, Sendable {
        let name = "noting"
        let settleNanoseconds: Int64 = 0
        private let sent = Mutex((bytes: UInt64(0), recorders: [Int32?]()))
        var bytesSent: UInt64 { sent.withLock { $0.bytes } }
        var recorders: [Int32?] { sent.withLock { $0.recorders } }

        func connect(until deadline: Deadline) throws {}
        func disconnect() {}
        func acknowledgedBytes() -> UInt64? { bytesSent }
        func send(_ record: OutgoingRecord, until deadline: Deadline) throws {
            sent.withLock {
                $0.recorders.append(record.recorderPid)
                $0.bytes += UInt64(record.line.count)
            }
        }
    }

    /// Its first connection answers the first five messages and breaks at the
    /// eighth send; the next one answers everything. Notes each `seq` sent.
    final class BreakingTransport: RecordTransport, Sendable {
        let name = "breaking"
        let settleNanoseconds: Int64 = 0
        private let state = Mutex((connections: 0, messages: 0, bytes: UInt64(0), answered: UInt64(0), seqs: [Int]()))
        var bytesSent: UInt64 { state.withLock { $0.bytes } }
        var seqs: [Int] { state.withLock { $0.seqs } }
        var deliveredBeforeBreak: UInt64 { state.withLock { $0.answered } }

        func connect(until deadline: Deadline) throws {
            state.withLock { ($0.connections, $0.messages, $0.bytes, $0.answered) = ($0.connections + 1, 0, 0, 0) }
        }
        func disconnect() {}
        func acknowledgedBytes() -> UInt64? { state.withLock { $0.answered } }
        func send(_ record: OutgoingRecord, until deadline: Deadline) throws {
            let text = String(decoding: record.line, as: UTF8.self)
            let seq = Int(text.dropFirst(#"{"seq":"#.count).prefix { $0.isNumber }) ?? -1
            try state.withLock {
                if $0.connections == 1 && $0.messages == 7 { throw DeliveryError("broken") }
                $0.messages += 1
                $0.bytes += UInt64(record.line.count)
                if $0.connections > 1 || $0.messages <= 5 { $0.answered = $0.bytes }
                $0.seqs.append(seq)
            }
        }
    }

    /// A break resends what the receiver never answered, not the rest of the
    /// chunk its answered lines came in (a loaded rsyslog sent 726 twice so).
    @Test func aBreakResendsOnlyTheLinesNeverAnswered() throws {
        let transport = BreakingTransport()
        let sink = try Self.sending((1...12).map { Self.stop(seq: $0) }, through: transport)
        // The resend follows a reconnect backoff of at most 100 ms.
        let deadline = Clock.monotonicNanoseconds + 10_000_000_000
        while sink.snapshot.sent < 12 && Clock.monotonicNanoseconds < deadline { usleep(10_000) }
        sink.stop()
        #expect(transport.seqs == Array(1...7) + Array(6...12))
        #expect(sink.snapshot.sent == 12)
    }

    /// A sink over `transport`, its queue holding `lines`, started.
    static func sending(_ lines: [String], through transport: some RecordTransport & Sendable) throws -> QueuedSink {
        let sink = QueuedSink(transport: transport, queue: MemoryRecordQueue(capacity: 1 << 20))
        try Array((lines.joined(separator: "\n") + "\n").utf8).withUnsafeBytes { try sink.write($0) }
        sink.start()
        try sink.flush()
        return sink
    }

    static func start(seq: Int, recorder: Int32) -> String {
        #"{"seq":\#(seq),"time":"2026-11-23T20:27:24.524654127Z","event":"start","format":"proctrace","version":1,"backend":"bpf","host":"vm","boot_id":"e589cdac-5f18-415d-9ddd-b7a6f3dcae5f","kernel":"6.18.44","proctrace_version":"0.1.0","recorder_pid":\#(recorder)}"#
    }

    static func stop(seq: Int) -> String {
        #"{"seq":\#(seq),"time":"2026-11-23T20:27:26.534535449Z","event":"stop","events":1,"lost":0,"unwritten":0}"#
    }

    /// A spool taken up in the middle of one run's records, then that run's
    /// successor: the first records' recorder is unknown ("-" in syslog),
    /// never the sender's; each stream's records go as their own recorder's.
    @Test func eachRecordGoesAsTheRecorderOfItsStream() throws {
        let transport = NotingTransport()
        let sink = try Self.sending([Self.stop(seq: 9), Self.start(seq: 1, recorder: 111), Self.stop(seq: 2),
                                     Self.start(seq: 1, recorder: 222), Self.stop(seq: 2)], through: transport)
        sink.stop()
        #expect(transport.recorders == [nil, 111, 111, 222, 222])
        #expect(sink.snapshot.sent == 5)
    }
}
