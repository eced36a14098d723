import Foundation
import Testing

/// `proctrace record` with the BPF backend, tracing real processes.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RecordLifecycleTests {
    static let scenarios = [
        "tree", "exec-argv", "exit3", "sigkill", "segv", "threads", "thread-exec", "clone-parent", "zombie",
        "autoreap", "changes", "exec-failed",
    ]
    // --backend bpf: a kernel where BPF does not load must fail here, not fall back.
    static let shared: Result<Recording, Error> = Result {
        try LiveRecording.record(arguments: ["--backend", "bpf"], scenarios: scenarios)
    }

    func recording() throws -> Recording { try Self.shared.get() }

    /// How a wait(2) reap is reported with the hooks this recording got (docs/hooks.md).
    func waitReason(in recording: Recording) -> String {
        recording.records.first?["hooks"] as? String == "sched" ? "freed" : "wait"
    }

    @Test func theCheapestHooksThatLoadAreChosenAndNamed() throws {
        let recording = try recording()
        let start = try #require(recording.records.first)
        let hooks = try #require(start["hooks"] as? String)
        let refused = (start["hooks_refused"] as? [String] ?? []).map { String($0.prefix { $0 != ":" }) }
        print("@@report hooks: \(hooks)\(refused.isEmpty ? "" : " (refused: \(refused.joined(separator: ", ")))")")
        // auto tries fentry, kprobe, sched, then syscall, and says why each was refused.
        let chain = HookExpectations.chain
        let chosen = try #require(chain.firstIndex(of: hooks))
        #expect(refused == Array(chain[..<chosen]), "\(start["hooks_refused"] ?? "")")
        #expect(recording.standardError.contains("proctrace: hooks: ") == !refused.isEmpty, "\(recording.standardError)")
        // The kernel allows these (the qemu guests say so): the first of them is chosen.
        if let first = chain.first(where: HookExpectations.mustLoad.contains) {
            #expect(hooks == first)
        }
        #expect(start["unavailable_events"] as? [String] == (hooks == "sched" ? ["exec_failed"] : nil))
    }

    @Test func failedExecsAreRecordedWhereTheHooksSeeThem() throws {
        let recording = try recording()
        try HookExpectations.checkFailedExecs(in: recording)
    }

    func pid(_ scenario: String, _ key: String, in recording: Recording) throws -> Int {
        try #require(recording.scenario(scenario)[key] as? Int, "scenario \(scenario) printed no \(key)")
    }

    @Test func stopsCleanlyWithCountsThatMatchTheLog() throws {
        let recording = try recording()
        #expect(recording.exitStatus == 0, "stderr: \(recording.standardError)")
        let first = try #require(recording.records.first)
        #expect(first["event"] as? String == "start")
        #expect(first["backend"] as? String == "bpf")
        #expect(first["version"] as? Int == 1)
        // bpf_get_current_task_btf came in 5.11; before it the loader reads through probes.
        let release = (first["kernel"] as? String ?? "").split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        let hasTaskBTF = release.count >= 2 && (release[0], release[1]) >= (5, 11)
        let choices = first["bpf_choices"] as? [String] ?? []
        #expect(choices.first == (hasTaskBTF ? "current_task_btf" : "current_task_probe_read"))
        // fexit reads the system call arguments from the stack only where the verifier cannot read them (5.10).
        #expect(Array(choices.dropFirst()) == (first["hooks"] as? String == "fentry" && !hasTaskBTF ? ["syscall_args_from_stack"] : []))
        print("@@report loader: bpf_choices \(first["bpf_choices"] ?? "none")")
        let last = try #require(recording.records.last)
        #expect(last["event"] as? String == "stop")
        #expect(last["events"] as? Int == recording.records.count - 2)
        #expect(last["lost"] as? Int == 0)
        let seqs = recording.records.compactMap { $0["seq"] as? Int }
        #expect(seqs.count == recording.records.count)
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $0 < $1 }, "seq strictly increasing")
        #expect(!recording.records.contains { $0["unparsable"] != nil })
    }

    @Test func snapshotListsRunningProcessesWithExactStartTimes() throws {
        let recording = try recording()
        let exists = recording.records.filter { $0["event"] as? String == "exists" }
        #expect(exists.count > 10)
        let initProcess = try #require(exists.first { $0["pid"] as? Int == 1 })
        #expect((initProcess["start_time"] as? Int ?? 0) > 0)
        let testProcess = try #require(exists.first { $0["pid"] as? Int == Int(recording.testPid) })
        #expect((testProcess["argv"] as? [String])?.isEmpty == false)
        #expect(testProcess["filename"] as? String != nil)
        // Nothing in the log is about proctrace itself.
        let recorder = try #require(recording.records.first?["recorder_pid"] as? Int)
        #expect(recording.records(pid: recorder).isEmpty)
    }

    @Test func forkTreeHasRealParentsExitsAndReaps() throws {
        let recording = try recording()
        let scenario = recording.scenario("tree")
        let parent = try pid("tree", "pid", in: recording)
        let children = try #require(scenario["children"] as? [Int])
        let grandchildren = try #require(scenario["grandchildren"] as? [Int])
        for (child, grandchild) in zip(children, grandchildren) {
            let fork = try #require(recording.records(pid: child, event: "fork").first)
            #expect(fork["ppid"] as? Int == parent)
            let grandFork = try #require(recording.records(pid: grandchild, event: "fork").first)
            #expect(grandFork["ppid"] as? Int == child)
            for (pid, reaper) in [(child, parent), (grandchild, child)] {
                let exits = recording.records(pid: pid, event: "exit")
                #expect(exits.count == 1)
                #expect(exits.first?["exit_code"] as? Int == 0)
                let reap = try #require(recording.records(pid: pid, event: "reap").first)
                #expect(reap["reason"] as? String == waitReason(in: recording))
                #expect(reap["reaper"] as? Int == reaper)
                #expect(reap["start_time"] as? Int == exits.first?["start_time"] as? Int)
            }
            #expect(fork["start_time"] as? Int == recording.records(pid: child, event: "exit").first?["start_time"] as? Int)
        }
    }

    @Test func execArgvIsExactAndHostileBytesAreEscapedLosslessly() throws {
        let recording = try recording()
        let child = try pid("exec-argv", "child", in: recording)
        let line = try #require(recording.lines(pid: child, event: "exec").first)
        #expect(line.contains(#""filename":"/bin/true""#))
        #expect(line.contains(#""argv":["true","line1\nline2","bad\udcff\udcfeutf8","","esc\u001b[31m","end"],"argv_truncated":false"#),
                "\(line)")
        #expect(!line.contains("\u{1b}"))
        #expect(!line.contains("old_pid"))
    }

    @Test func exitCodeSignalAndCoreDump() throws {
        let recording = try recording()
        let exit3 = try #require(recording.records(pid: try pid("exit3", "child", in: recording), event: "exit").first)
        #expect(exit3["exit_code"] as? Int == 3)
        #expect(exit3["signal"] is NSNull)
        #expect(exit3["core_dumped"] as? Bool == false)
        #expect((exit3["duration_ns"] as? Int ?? 0) > 0)

        let killed = try #require(recording.records(pid: try pid("sigkill", "child", in: recording), event: "exit").first)
        #expect(killed["exit_code"] is NSNull)
        #expect(killed["signal"] as? Int == 9)
        #expect(killed["core_dumped"] as? Bool == false)

        let segv = try #require(recording.records(pid: try pid("segv", "child", in: recording), event: "exit").first)
        #expect(segv["signal"] as? Int == 11)
        #expect(segv["core_dumped"] as? Bool == false, "RLIMIT_CORE 0: no core written")
    }

    @Test func threadsDoNotAppearByDefaultAndTheProcessExitsOnce() throws {
        let recording = try recording()
        let child = try pid("threads", "child", in: recording)
        #expect(recording.records(pid: child, event: "fork").count == 1)
        let exits = recording.records(pid: child, event: "exit")
        #expect(exits.count == 1)
        #expect(exits.first?["exit_code"] as? Int == 7)
        #expect(!recording.records.contains { ($0["event"] as? String)?.hasPrefix("thread_") == true })
    }

    @Test func execFromANonLeaderThreadKeepsThePidAndNamesTheThread() throws {
        let recording = try recording()
        let child = try pid("thread-exec", "child", in: recording)
        let thread = try pid("thread-exec", "thread", in: recording)
        let exec = try #require(recording.records(pid: child, event: "exec").first)
        #expect(exec["old_pid"] as? Int == thread)
        #expect(exec["argv"] as? [String] == ["true", "from-thread"])
        let exits = recording.records(pid: child, event: "exit")
        #expect(exits.count == 1, "the old leader's death is not the process's exit")
        #expect(exits.first?["exit_code"] as? Int == 0)
        #expect(exits.first?["comm"] as? String == "true")
    }

    @Test func cloneParentForkNamesTheRealParent() throws {
        let recording = try recording()
        let child = try pid("clone-parent", "child", in: recording)
        let grandparent = try pid("clone-parent", "ppid", in: recording)
        let fork = try #require(recording.records(pid: child, event: "fork").first)
        #expect(fork["ppid"] as? Int == grandparent)
        #expect(grandparent == Int(recording.testPid))
    }

    @Test func zombieIsReapedWhenTheParentWaitsAtTheExactTime() throws {
        let recording = try recording()
        let child = try pid("zombie", "child", in: recording)
        let exit = try #require(recording.records(pid: child, event: "exit").first)
        let reap = try #require(recording.records(pid: child, event: "reap").first)
        #expect(exit["exit_code"] as? Int == 5)
        #expect(reap["reason"] as? String == waitReason(in: recording))
        #expect(reap["reaper"] as? Int == (try pid("zombie", "pid", in: recording)))
        let exitTime = try #require(Self.nanoseconds(exit["time"] as? String))
        let reapTime = try #require(Self.nanoseconds(reap["time"] as? String))
        #expect(reapTime - exitTime > 900_000_000, "the parent sleeps 1 s before waiting")
        #expect(reapTime - exitTime < 3_000_000_000)
    }

    @Test func ignoredSigchldReleasesTheChildAtExit() throws {
        let recording = try recording()
        let child = try pid("autoreap", "child", in: recording)
        let reap = try #require(recording.records(pid: child, event: "reap").first)
        #expect(reap["reason"] as? String == "autoreap")
    }

    @Test func renameSessionAndCredentialChangesAreRecorded() throws {
        let recording = try recording()
        let child = try pid("changes", "child", in: recording)
        let comm = try #require(recording.lines(pid: child, event: "comm").first)
        #expect(comm.contains(#""comm":"renamed\u001bname""#), "\(comm)")
        let session = try #require(recording.records(pid: child, event: "session").first)
        #expect(session["sid"] as? Int == child)
        let creds = recording.records(pid: child, event: "cred")
        #expect(creds.contains { $0["uid"] as? Int == 65534 && $0["euid"] as? Int == 65534 })
        #expect(recording.records(pid: child, event: "exit").first?["exit_code"] as? Int == 0)
    }

    static func nanoseconds(_ text: String?) -> Int64? {
        guard let text, text.count == 30 else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let seconds = formatter.date(from: String(text.prefix(19)) + "Z")?.timeIntervalSince1970
        let fraction = Int64(text.dropFirst(20).prefix(9)) ?? 0
        return seconds.map { Int64($0) * 1_000_000_000 + fraction }
    }
}
