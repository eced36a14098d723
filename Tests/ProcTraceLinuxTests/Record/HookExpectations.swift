import Foundation
import Testing

/// What each hook mode must record (docs/hooks.md), shared by the suites that record with them.
enum HookExpectations {
    /// The order `--hooks auto` tries them in.
    static let chain = ["fentry", "kprobe", "sched", "syscall"]

    /// Modes this kernel must load: PROCTRACE_EXPECT_HOOKS (the qemu guests
    /// name fentry and kprobe, which Debian's kernels allow), sched where task
    /// storage exists (5.11+), and syscall everywhere.
    static var mustLoad: Set<String> {
        var modes = Set((ProcessInfo.processInfo.environment["PROCTRACE_EXPECT_HOOKS"] ?? "").split(separator: " ").map(String.init))
        let release = HostKernel.release
        if release.count >= 2 && (release[0], release[1]) >= (5, 11) { modes.insert("sched") }
        modes.insert("syscall")
        return modes
    }

    /// The exec-failed scenario's two failures, as the hooks of `recording` see them.
    static func checkFailedExecs(in recording: Recording) throws {
        let start = try #require(recording.records.first)
        let hooks = start["hooks"] as? String ?? "netlink"
        let scenario = recording.scenario("exec-failed")
        let child = try #require(scenario["child"] as? Int)
        #expect(scenario["status"] as? Int == 0, "both execs failed as intended")
        let failed = recording.records(pid: child, event: "exec_failed")
        if hooks == "sched" || start["backend"] as? String == "netlink" {
            #expect(failed.isEmpty)
            #expect((start["unavailable_events"] as? [String])?.contains("exec_failed") == true)
            return
        }
        #expect(start["unavailable_events"] == nil)
        try #require(failed.count == 2, "\(failed)")
        let missing = failed[0], noexec = failed[1]
        #expect(missing["filename"] as? String == "/nonexistent/proctrace-missing")
        #expect(missing["argv"] as? [String] == ["missing", "arg 1"])
        #expect(missing["argv_truncated"] as? Bool == false)
        #expect(missing["errno"] as? Int == 2)
        #expect(missing["error"] as? String == "ENOENT")
        #expect(missing["ppid"] as? Int == scenario["pid"] as? Int)
        #expect(missing["comm"] as? String == "proctrace-scena")
        #expect(noexec["filename"] as? String == scenario["noexec"] as? String)
        #expect(noexec["argv"] as? [String] == ["noexec", "x"])
        #expect(noexec["errno"] as? Int == 13)
        #expect(noexec["error"] as? String == "EACCES")
        // The process went on with its old image and exited normally.
        #expect(recording.records(pid: child, event: "exec").isEmpty)
        #expect(recording.records(pid: child, event: "exit").first?["exit_code"] as? Int == 0)
    }
}

enum HostKernel {
    /// The running kernel's release as numbers (6.1.0-18-amd64 → [6, 1, 0, 18]).
    static var release: [Int] {
        var name = utsname()
        uname(&name)
        let text = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }
}
