import Foundation
import Testing

/// Standard error is a receiver like any other: a journal stream that hangs,
/// or a pipe nobody reads, must not stop the thread that drains the ring.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct StandardErrorNeverWaitsTests {
    /// Hundreds of lines for standard error said on the draining thread (each
    /// SIGHUP finds a directory where the log was) while nobody reads it: the
    /// drain once blocked in write(2) at 64 KiB and the recorder hung.
    @Test func linesNobodyReadsStopNeitherRecordingNorTheStop() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("events.jsonl").path
        let unread = Pipe()
        let recorder = try LiveRecording.startRecorder(log: log, errors: unread)
        defer { if recorder.isRunning { kill(recorder.processIdentifier, SIGKILL) } }
        // The file goes on being written where it was moved; the path cannot be reopened.
        try FileManager.default.moveItem(atPath: log, toPath: log + ".moved")
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: false)
        // ~250 bytes a line: the pipe fills after ~260, then the queue after 1,000 more. SIGHUPs close
        // together are handled as one (under the suite's load 1,500 sent gave 885 lines, and no drop), so
        // 3,000 more are sent once the pipe is full.
        let pipeFullBy = Date().addingTimeInterval(20)
        while Self.unreadBytes(unread) < 60_000 && Date() < pipeFullBy {
            kill(recorder.processIdentifier, SIGHUP)
            usleep(2_000)
        }
        #expect(Self.unreadBytes(unread) >= 60_000, "the recorder's lines did not fill the pipe")
        for _ in 0..<3_000 {
            kill(recorder.processIdentifier, SIGHUP)
            usleep(2_000)
        }
        let marker = "unread-stderr-\(UUID().uuidString.prefix(8))"
        for _ in 0..<50 { _ = try LiveRecording.run("/bin/true", [marker]) }
        let moved = log + ".moved"
        let marked = { (try? String(contentsOfFile: moved, encoding: .utf8))?.components(separatedBy: marker).count ?? 1 }
        let keptUpBy = Date().addingTimeInterval(15)
        while marked() < 51 && Date() < keptUpBy { usleep(50_000) }
        #expect(marked() == 51, "the log stopped at \(marked() - 1) of 50 execs while standard error was not read")

        // Read at last: the lines still queued (the count of those dropped among them) come out, and the stop ends.
        let reader = PipeReader(fd: unread.fileHandleForReading.fileDescriptor)
        kill(recorder.processIdentifier, SIGTERM)
        let stopBy = Date().addingTimeInterval(20)
        while recorder.isRunning && Date() < stopBy { usleep(20_000) }
        #expect(!recorder.isRunning, "the recorder did not stop within 20 s of SIGTERM")
        if recorder.isRunning { kill(recorder.processIdentifier, SIGKILL) }
        recorder.waitUntilExit()
        let said = reader.lines().joined(separator: "\n")
        #expect(recorder.terminationStatus == 0)

        let records = try String(contentsOfFile: moved, encoding: .utf8).split(separator: "\n").compactMap {
            LiveRecording.object($0)
        }
        // The whole machine is recorded: `lost` may count a storm of another test's beside it.
        #expect(records.last?["event"] as? String == "stop")
        #expect(said.contains("cannot reopen the log on SIGHUP"))
        #expect(said.contains("lines for standard error were dropped: it was not being read"), "\(said.suffix(500))")
    }

    /// Bytes waiting in the pipe, left unread (FIONREAD).
    static func unreadBytes(_ pipe: Pipe) -> Int32 {
        var count: Int32 = 0
        return ioctl(pipe.fileHandleForReading.fileDescriptor, UInt(FIONREAD), &count) == 0 ? count : -1
    }
}
