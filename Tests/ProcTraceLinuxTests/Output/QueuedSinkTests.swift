import ProcTraceCore
import ProcTraceLinux
import Synchronization
import Testing

/// The sender of a network output against a transport of the test's own:
/// which recorder each record is said to come from.
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
        let queue = MemoryRecordQueue(capacity: 1 << 20)
        let lines = [Self.stop(seq: 9), Self.start(seq: 1, recorder: 111), Self.stop(seq: 2),
                     Self.start(seq: 1, recorder: 222), Self.stop(seq: 2)]
        let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
        let transport = NotingTransport()
        let sink = QueuedSink(transport: transport, queue: queue)
        try bytes.withUnsafeBytes { try sink.write($0) }
        sink.start()
        try sink.flush()
        sink.stop()
        #expect(transport.recorders == [nil, 111, 111, 222, 222])
        #expect(sink.snapshot.sent == 5)
    }
}
