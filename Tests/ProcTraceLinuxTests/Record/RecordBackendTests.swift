import Foundation
import Testing

/// The command-level behaviour around backends and files.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RecordBackendTests {
    @Test func autoFallsBackToNetlinkSayingWhyOnceAndKeepsTracing() throws {
        let recording = try LiveRecording.record(
            scenarios: ["exit3"], environment: ["PROCTRACE_SIMULATE_BPF_FAILURE": "1"])
        #expect(recording.exitStatus == 0)
        #expect(recording.records.first?["backend"] as? String == "netlink")
        let reasons = recording.standardError.split(separator: "\n")
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains("BPF unavailable") == true)
        #expect(reasons.first?.contains("netlink") == true)
        let child = try #require(recording.scenario("exit3")["child"] as? Int)
        #expect(recording.records(pid: child, event: "exit").first?["exit_code"] as? Int == 3)
    }

    @Test func bpfBackendFailsWithOneLineInsteadOfFallingBack() throws {
        let (status, _, errors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/dev/null", "--backend", "bpf", "--duration", "1"],
            environment: ["PROCTRACE_SIMULATE_BPF_FAILURE": "1"])
        #expect(status != 0)
        let lines = errors.split(separator: "\n")
        #expect(lines.count == 1, "\(errors)")
        #expect(lines.first?.hasPrefix("proctrace: BPF unavailable") == true)
    }

    @Test func withoutPrivilegeItSaysWhatIsMissingInOneLine() throws {
        try #require(Privilege.isRoot, "needs root: setpriv and mount; under CI=true this must run as root")
        let (status, _, errors) = try LiveRecording.runCapturingErrors(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", Binaries.proctrace, "record", "--config", "/dev/null", "--backend", "bpf",
             "--duration", "1"])
        #expect(status != 0)
        let lines = errors.split(separator: "\n")
        #expect(lines.count == 1, "\(errors)")
        #expect(errors.contains("run as root") || errors.contains("CAP_"), "\(errors)")
    }

    @Test func refusesToWriteThroughASymbolicLink() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-link-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("target")
        try #require(FileManager.default.createFile(atPath: target.path, contents: nil))
        let link = directory.appendingPathComponent("events.jsonl")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let (status, _, errors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/dev/null", "--output", link.path, "--duration", "1"])
        #expect(status != 0)
        #expect(errors.contains("symbolic link"), "\(errors)")
        #expect((try? Data(contentsOf: target))?.isEmpty == true)
    }

    @Test func rotationKeepsEveryRecordAndEachFileStartsWithTheLiveProcesses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-rotate-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("events.jsonl").path
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        // Everything on the machine is traced: under load (parallel suites, other builds) 50 files of
        // 64K fill within the test and the oldest, with the burst's first forks, would be deleted.
        recorder.arguments = ["record", "--config", "/dev/null", "--output", log, "--rotate-size", "64K", "--rotate-keep", "1000"]
        try recorder.run()
        while (try? String(contentsOfFile: log, encoding: .utf8))?.contains("\"event\":\"start\"") != true {
            usleep(20_000)
        }
        let (status, output) = try LiveRecording.run(Binaries.scenarios, ["burst", "600"])
        #expect(status == 0)
        usleep(300_000)
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0)

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("events.jsonl") }
        // At least one rotation (a 600-process burst is ~250 KB of records): a drain slowed by a loaded
        // machine takes the burst in fewer, larger batches, and a rotation falls between batches.
        #expect(files.count >= 2, "\(files)")
        var seqs: [Int] = []
        var forksByParent: [Int: Set<Int>] = [:]
        for file in files {
            let text = try String(contentsOfFile: directory.appendingPathComponent(file).path, encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(text.hasSuffix("\n"), "\(file) ends on a record boundary")
            #expect(lines.first?.contains("\"event\":\"start\"") == true, "\(file) starts with start")
            #expect(lines.dropFirst().first?.contains("\"event\":\"exists\"") == true, "\(file) has the live processes")
            for line in lines {
                // Other processes on the machine may have invalid UTF-8 in their names (\udcXX),
                // which JSONSerialization rejects; the fields read here are numbers and names.
                let parsable = line.replacingOccurrences(of: "\\udc", with: "\\u00")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(parsable.utf8)) as? [String: Any])
                seqs.append(try #require(object["seq"] as? Int))
                if object["event"] as? String == "fork", let pid = object["pid"] as? Int, let ppid = object["ppid"] as? Int {
                    forksByParent[ppid, default: []].insert(pid)
                }
            }
        }
        seqs.sort()
        #expect(seqs == Array(seqs.first!...seqs.last!), "no record lost or repeated across rotations")
        let burst = try #require((try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any])
        let parent = try #require(burst["pid"] as? Int)
        #expect(forksByParent[parent]?.count == 600, "every forked child is in some file")
    }

    @Test func lossWhileTheConsumerIsStoppedIsCountedAndTheStreamGoesOn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-loss-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("events.jsonl").path
        let recorder = try LiveRecording.startRecorder(log: log, arguments: ["--ring-buffer-size", "16K"])
        usleep(200_000)
        kill(recorder.processIdentifier, SIGSTOP)
        let (status, _) = try LiveRecording.run(Binaries.scenarios, ["burst", "500"])
        kill(recorder.processIdentifier, SIGCONT)
        #expect(status == 0)
        usleep(300_000)  // the consumer drains the full ring
        // After the loss the stream goes on: a later process's exit arrives exactly. Other
        // processes on a busy machine can fill a 16 KiB ring again, so a few tries are allowed.
        var exitAfterLoss: String?
        for _ in 0..<5 where exitAfterLoss == nil {
            let (after, output) = try LiveRecording.run(Binaries.scenarios, ["exit3"])
            #expect(after == 0)
            let scenario = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            let child = try #require(scenario?["child"] as? Int)
            let line = "\"event\":\"exit\",\"pid\":\(child),"
            for _ in 0..<20 where exitAfterLoss == nil {
                usleep(100_000)
                let text = try String(contentsOfFile: log, encoding: .utf8)
                exitAfterLoss = text.split(separator: "\n").first { $0.contains(line) }.map(String.init)
            }
        }
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0)

        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try #require(LiveRecording.object($0)) }
        let lost = records.filter { $0["event"] as? String == "lost" }.compactMap { $0["count"] as? Int }
        let stop = try #require(records.last)
        #expect(stop["event"] as? String == "stop")
        #expect(!lost.isEmpty, "a 16 KiB ring cannot hold 500 processes' records")
        #expect(stop["lost"] as? Int == lost.reduce(0, +))
        // 500 forks, exits and reaps were generated; what arrived plus what was counted lost covers them.
        let burstRecords = records.filter { ["fork", "exit", "reap"].contains($0["event"] as? String ?? "") }.count
        #expect(burstRecords + lost.reduce(0, +) >= 1500)
        let exit = try #require(exitAfterLoss.flatMap { LiveRecording.object($0) })
        #expect(exit["exit_code"] as? Int == 3)
    }

    @Test func aFullDiskIsReportedCountedAndEndsWithAFailureStatus() throws {
        try #require(Privilege.isRoot, "needs root: setpriv and mount; under CI=true this must run as root")
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-full-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let (mounted, _) = try LiveRecording.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint])
        try #require(mounted == 0, "mounting a 64 KiB tmpfs")
        defer { _ = try? LiveRecording.run("/bin/umount", [mountPoint]) }

        let log = mountPoint + "/events.jsonl"
        let errors = Pipe()
        let recorder = try LiveRecording.startRecorder(log: log, errors: errors)
        _ = try LiveRecording.run(Binaries.scenarios, ["burst", "400"])
        usleep(300_000)
        kill(recorder.processIdentifier, SIGINT)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        recorder.waitUntilExit()

        #expect(recorder.terminationStatus == 1, "\(message)")
        #expect(message.contains("No space left on device"), "\(message)")
        #expect(message.contains("could not be written"), "\(message)")
        // What reached the disk is whole lines only.
        let text = try String(contentsOfFile: log, encoding: .utf8)
        for line in text.split(separator: "\n") {
            #expect(LiveRecording.object(line) != nil, "a broken line: \(line.prefix(80)) … \(line.suffix(80)); \(message)")
        }
    }
}
