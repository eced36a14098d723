import Foundation
import Testing

/// What an idle recorder keeps in memory (issue 27).
@Suite(.enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RecordMemoryTests {
    /// The private memory of an idle recorder: heap, stacks, static data
    /// (the ring and the binary's pages are shared mappings, counted apart).
    /// 14.8 MiB before the allocator's threshold was fixed (11.7 MiB of it
    /// heap freed after loading the BPF programs); about 4 now.
    @Test func anIdleRecorderKeepsLittlePrivateMemory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-memory-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("events.jsonl")
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "--output", log.path]
        recorder.standardError = FileHandle.nullDevice
        try recorder.run()
        defer {
            if recorder.isRunning { kill(recorder.processIdentifier, SIGKILL) }
            recorder.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(90)
        while recorder.isRunning && Date() < deadline
            && (try? String(contentsOf: log, encoding: .utf8))?.contains("\"event\":\"exists\"") != true {
            usleep(20_000)
        }
        // The snapshot of running processes written, the workers idle.
        usleep(1_000_000)
        let status = try String(contentsOfFile: "/proc/\(recorder.processIdentifier)/status", encoding: .utf8)
        let anonymousKiB = try #require(Self.kibibytes("RssAnon", in: status))
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0)
        #expect(anonymousKiB <= 8 * 1024, "RssAnon \(anonymousKiB) KiB")
    }

    static func kibibytes(_ field: String, in status: String) -> Int? {
        status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }
}
