import Foundation
import Testing

/// `record --hooks MODE` for every mode: one the kernel allows records the
/// lifecycle with that mode's documented precision (docs/hooks.md); one it
/// refuses fails with one line saying why, and only where the kernel may refuse it.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RecordHookModesTests {
    static let scenarios = ["tree", "zombie", "changes", "exec-failed"]

    @Test(arguments: HookExpectations.chain)
    func modeRecordsWhatItPromises(_ mode: String) throws {
        let recording: Recording
        do {
            recording = try LiveRecording.record(arguments: ["--backend", "bpf", "--hooks", mode], scenarios: Self.scenarios)
        } catch RecordingError.recorderDidNotStart(let errors) {
            if HookExpectations.mustLoad.contains(mode) {
                // Why, in libbpf's words (the verifier's log ends with the rejected instruction).
                let (_, _, verbose) = try LiveRecording.runCapturingErrors(
                    Binaries.proctrace, ["record", "--config", "/dev/null", "--backend", "bpf", "--hooks", mode,
                                         "--duration", "1", "--verbose", "--output", "/dev/null"])
                let tail = verbose.split(separator: "\n").suffix(40).joined(separator: "\n")
                Issue.record("this kernel must allow \(mode): \(errors)\n\(tail)")
            }
            let lines = errors.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("proctrace: BPF unavailable: "), "\(errors)")
            print("@@report hooks \(mode): refused")
            return
        }
        print("@@report hooks \(mode): loaded")
        let start = try #require(recording.records.first)
        #expect(start["hooks"] as? String == mode)
        #expect(start["hooks_refused"] == nil, "an explicit mode is not a fallback")
        #expect(recording.exitStatus == 0, "\(recording.standardError)")

        // Reaps: the real parent as reaper in every mode; exact (wait) except with sched (at free).
        let tree = recording.scenario("tree")
        let parent = try #require(tree["pid"] as? Int)
        let children = try #require(tree["children"] as? [Int])
        let grandchildren = try #require(tree["grandchildren"] as? [Int])
        // A reap may be missing only as docs/hooks.md says ("the stop"): its free came more than 500 ms
        // after the stop began, and a `reaps_missing` warning names it.
        let missingReaps = recording.records.filter { $0["event"] as? String == "warning" && $0["code"] as? String == "reaps_missing" }
            .compactMap { ($0["message"] as? String)?.split(separator: ":").last?.split(separator: " ").compactMap { Int($0) } }
            .flatMap { $0 }
        if !missingReaps.isEmpty { print("@@report hooks \(mode): reaps_missing \(missingReaps)") }
        for (pid, reaper) in Array(zip(children, [parent, parent])) + Array(zip(grandchildren, children)) {
            if missingReaps.contains(pid) { continue }
            let reap = try #require(recording.records(pid: pid, event: "reap").first, "no reap of \(pid)")
            #expect(reap["reaper"] as? Int == reaper)
            #expect(reap["reason"] as? String == (mode == "sched" ? "freed" : "wait"))
        }
        let zombie = try #require(recording.scenario("zombie")["child"] as? Int)
        let exit = try #require(recording.records(pid: zombie, event: "exit").first)
        if !missingReaps.contains(zombie) {
            let reap = try #require(recording.records(pid: zombie, event: "reap").first)
            let waited = try #require(RecordLifecycleTests.nanoseconds(reap["time"] as? String))
                - (try #require(RecordLifecycleTests.nanoseconds(exit["time"] as? String)))
            #expect(waited > 900_000_000 && waited < 3_000_000_000, "reaped when the parent waited, 1 s after the exit")
        }

        // setsid, then setresgid/setresuid: a session record and the final credentials.
        let changed = try #require(recording.scenario("changes")["child"] as? Int)
        let session = try #require(recording.records(pid: changed, event: "session").first)
        #expect(session["sid"] as? Int == changed)
        let creds = recording.records(pid: changed, event: "cred")
        #expect(creds.last?["uid"] as? Int == 65534 && creds.last?["euid"] as? Int == 65534
                && creds.last?["gid"] as? Int == 65534, "\(creds)")
        // Every change precedes the exit.
        let seqOfExit = recording.records(pid: changed, event: "exit").first?["seq"] as? Int ?? 0
        #expect(creds.allSatisfy { ($0["seq"] as? Int ?? .max) < seqOfExit })

        try HookExpectations.checkFailedExecs(in: recording)
    }

    /// The tracepoints the recorder's BPF links are attached to, as the kernel
    /// lists them in /proc/PID/fdinfo (`tp_name`), not as proctrace says.
    static func attachedTracepoints(of pid: Int32) -> Set<String> {
        var names = Set<String>()
        let directory = "/proc/\(pid)/fdinfo"
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            guard let text = try? String(contentsOfFile: "\(directory)/\(fd)", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") where line.hasPrefix("tp_name:") {
                names.insert(line.dropFirst("tp_name:".count).trimmingCharacters(in: .whitespaces))
            }
        }
        return names
    }

    /// Only `syscall` hooks a system call tracepoint; `auto` never chooses it where another mode loads.
    @Test func onlyTheSyscallModeHooksSysExit() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-hooks-\(UUID()).jsonl").path
        defer { unlink(log) }
        for mode in ["auto", "syscall"] {
            unlink(log)
            let recorder = try LiveRecording.startRecorder(log: log, arguments: ["--backend", "bpf", "--hooks", mode])
            let tracepoints = Self.attachedTracepoints(of: recorder.processIdentifier)
            kill(recorder.processIdentifier, SIGINT)
            recorder.waitUntilExit()
            let start = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").first ?? ""
            #expect(tracepoints.contains("sched_process_exit"), "the links are visible: \(tracepoints)")
            let hooksSyscalls = start.contains(#""hooks":"syscall""#)
            #expect(tracepoints.contains("sys_exit") == hooksSyscalls, "\(mode): \(tracepoints) \(start)")
            #expect(!tracepoints.contains("sys_enter"))
            #expect(hooksSyscalls == (mode == "syscall"), "\(start)")
        }
    }
}
