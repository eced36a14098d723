import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// The pieces of the network outputs that need no receiver: the spool's
/// order, bound and restart, the fan-out's accounting, the output syntax.
struct SpoolAndFanOutTests {
    static func lines(_ range: ClosedRange<Int>) -> [UInt8] {
        Array(range.map { "{\"seq\":\($0)}\n" }.joined().utf8)
    }

    @Test func spoolKeepsOrderAcrossSegmentsAndARestart() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("spool").path
        let batch = Self.lines(1...5000)
        do {
            let spool = try DiskSpool(directory: path, capacity: 1 << 20)
            #expect(try batch.withUnsafeBytes { try spool.append($0) } == batch.count)
            let first = try spool.read(from: 0, limit: 1000)
            #expect(first.last == 0x0a && first.count <= 1000)
            try spool.commit(first.count)
        }
        let reopened = try DiskSpool(directory: path, capacity: 1 << 20)
        var rest: [UInt8] = []
        while true {
            let chunk = try reopened.read(from: rest.count, limit: 4096)
            if chunk.isEmpty { break }
            rest += chunk
        }
        let firstCount = batch.count - reopened.pendingBytes
        #expect(firstCount > 0)
        #expect(rest == Array(batch[firstCount...]), "what was not committed comes back, in order")
    }

    @Test func fullSpoolTakesWholeLinesOnly() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory.appendingPathComponent("s").path, capacity: 64 * 1024)
        let batch = Self.lines(1...20000)
        let taken = try batch.withUnsafeBytes { try spool.append($0) }
        #expect(taken < batch.count && taken <= 64 * 1024)
        #expect(batch[taken - 1] == 0x0a, "a record is in the spool whole or not at all")
    }

    @Test func fanOutFailsOnlyForRecordsNoOutputTook() throws {
        let memory = MemorySink()
        let full = QueuedSink(transport: JournalTransport(socketPath: "/nonexistent/socket"), queue: MemoryRecordQueue(capacity: 100))
        let fanOut = FanOutSink([("memory", memory), ("journal", full)])
        let batch = Self.lines(1...50)
        try batch.withUnsafeBytes { try fanOut.write($0) }
        #expect(memory.bytes == batch)
        let journal = try #require(fanOut.members.last)
        #expect(journal.failed == 50 - UInt64(full.snapshot.spooled))
        #expect(full.snapshot.dropped == journal.failed)

        let alone = FanOutSink([("journal", QueuedSink(transport: JournalTransport(socketPath: "/nonexistent/socket"),
                                                      queue: MemoryRecordQueue(capacity: 100)))])
        #expect(throws: LogWriteFailure.self) { try batch.withUnsafeBytes { try alone.write($0) } }
    }

    @Test func outputSyntax() throws {
        #expect(try OutputTarget.network("journal") == .journal)
        #expect(try OutputTarget.network("syslog+tcp://127.0.0.1:514") == .syslog(.tcp(host: "127.0.0.1", port: 514)))
        #expect(try OutputTarget.network("syslog+udp://[::1]:514") == .syslog(.udp(host: "::1", port: 514)))
        #expect(try OutputTarget.network("syslog+unix:///dev/log") == .syslog(.unix(path: "/dev/log")))
        #expect(try OutputTarget.network("./journal") == nil)
        #expect(try OutputTarget.network("/var/log/x.jsonl") == nil)
        #expect(throws: (any Error).self) { try OutputTarget.network("syslog+tcp://host") }
        #expect(throws: (any Error).self) { try OutputTarget.network("syslog://host:514") }
        #expect(throws: (any Error).self) { try OutputTarget.network("syslog+unix://dev/log") }
    }
}
