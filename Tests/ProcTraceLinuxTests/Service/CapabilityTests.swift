import Foundation
import ProcTraceLinux
import ProcTraceTestSupport
import Testing

@Suite(.blocking) struct CapabilityParsingTests {
    @Test func readsTheCapLinesOfAStatusFile() throws {
        let status = """
            Name:\tproctrace
            CapInh:\t0000000000000000
            CapPrm:\t000000c000080000
            CapEff:\t000000c000000000
            CapBnd:\t000001ffffffffff
            CapAmb:\t0000000000000000
            NoNewPrivs:\t0
            """
        let capabilities = try #require(ProcessCapabilities(statusText: status))
        #expect(capabilities.effective.capabilities == [.perfmon, .bpf])
        #expect(capabilities.permitted.description == "CAP_SYS_PTRACE, CAP_PERFMON, CAP_BPF")
        #expect(capabilities.bounding.capabilities.count == 41)
        #expect(capabilities.ambient == .empty)
        #expect(ProcessCapabilities(statusText: "CapEff:\tzz\n") == nil)
    }

    @Test func namesRoundTrip() {
        #expect(Capability(name: "cap_bpf") == .bpf)
        #expect(Capability(name: "PERFMON") == .perfmon)
        #expect(Capability(name: "CAP_NOPE") == nil)
        #expect(Capability(45).name == "capability 45")
    }

    @Test func bpfNeedsBpfAndPerfmonOrSysAdmin() {
        #expect(BackendPrivileges.missingForBPF(in: .empty) == [.bpf, .perfmon])
        #expect(BackendPrivileges.missingForBPF(in: CapabilitySet([.bpf])) == [.perfmon])
        #expect(BackendPrivileges.missingForBPF(in: CapabilitySet([.bpf, .perfmon])) == [])
        #expect(BackendPrivileges.missingForBPF(in: CapabilitySet([.sysAdmin])) == [])
    }

    @Test(.enabled(if: ProcessIdentity.isRoot, "the netlink proc connector needs root"))
    func theNetlinkBackendKeepsPtraceAfterStart() throws {
        let netlink = try NetlinkEventSource(settings: NetlinkSettings())
        defer { netlink.close() }
        #expect(netlink.capabilitiesAfterStart == CapabilitySet([.sysPtrace]))
    }

    @Test(.enabled(if: Privilege.canTrace, Privilege.skipReason))
    func theBPFBackendKeepsPtraceOnlyToHash() throws {
        var settings = BPFSettings()
        let hashing = try BPFEventSource(settings: settings)
        #expect(hashing.capabilitiesAfterStart == CapabilitySet([.sysPtrace]))
        hashing.close()
        settings.hashMaxBytes = 0
        let notHashing = try BPFEventSource(settings: settings)
        defer { notHashing.close() }
        #expect(notHashing.capabilitiesAfterStart == .empty)
    }

    @Test func missingCapabilitiesAreNamedInTheBPFError() {
        let error = BPFStartError(stage: .load, errno: EPERM, detail: "effective: CAP_BPF", missingCapabilities: [.perfmon])
        #expect(error.description == "BPF unavailable: missing capability CAP_PERFMON (effective: CAP_BPF); run as "
            + "root, or grant it (setcap cap_perfmon+ep, or AmbientCapabilities= in a systemd unit), or use --backend netlink")
    }
}

@Suite(.blocking) struct NetlinkPermissionErrorTests {
    @Test func aRefusalWithoutNetAdminNamesIt() throws {
        let refusal = SystemCallError("send", "PROC_CN_MCAST_LISTEN", errno: EPERM)
        let named = try #require(NetlinkPermissionError.naming(refusal, effective: CapabilitySet([.bpf])) as? NetlinkPermissionError)
        #expect(named.description.hasPrefix("netlink proc connector unavailable: send(PROC_CN_MCAST_LISTEN): "
            + "Operation not permitted; missing capability CAP_NET_ADMIN"))
    }

    @Test func otherErrorsAndHeldCapabilitiesAreLeftAsThey() {
        let refusal = SystemCallError("send", errno: EPERM)
        #expect(NetlinkPermissionError.naming(refusal, effective: CapabilitySet([.netAdmin])) is SystemCallError)
        #expect(NetlinkPermissionError.naming(SystemCallError("socket", errno: EMFILE), effective: .empty) is SystemCallError)
        #expect(NetlinkPermissionError.naming(refusal, effective: nil) is SystemCallError)
    }
}

/// `record` as root: what it keeps after start, seen from /proc/PID/status.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct CapabilityDropTests {
    private func status(of pid: Int32) throws -> (ProcessCapabilities, String) {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        return (try #require(ProcessCapabilities(statusText: text)), text)
    }

    /// The process's threads: their ids and names.
    private func threadNames(of pid: Int32) -> [(id: String, name: String)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.sorted().map { task in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? "?"
            return (task, name.trimmingCharacters(in: .newlines))
        }
    }

    /// The recorder's capabilities once it gave them up: the drop follows the
    /// snapshot, which hashes every running binary first (exe_sha256), so it
    /// can take seconds on a loaded machine.
    private func statusAfterTheDrop(of pid: Int32) throws -> (ProcessCapabilities, String) {
        let deadline = Date().addingTimeInterval(60)
        var (capabilities, text) = try status(of: pid)
        while capabilities.bounding.contains(.sysAdmin) && Date() < deadline {
            usleep(50_000)
            (capabilities, text) = try status(of: pid)
        }
        return (capabilities, text)
    }

    @Test func bpfRecordThatDoesNotHashKeepsNoCapabilityOnceStartedAndStillRecords() throws {
        let recorder = try RunningRecorder(arguments: ["--backend", "bpf", "--hash-max-bytes", "0"])
        #expect(recorder.started, "stderr: \(recorder.standardError)")
        _ = try statusAfterTheDrop(of: recorder.pid)
        // The threads that read the start snapshot's argv (proctrace-read) end once it is read, and the one
        // that names a new uid (proctrace-review) once idle: other tests' processes, storms and users can keep
        // them seconds. Each is named, so the list says which stayed (a set of names hid a second one).
        let deadline = Date().addingTimeInterval(30)
        while threadNames(of: recorder.pid).map(\.name).sorted() != ["proctrace", "proctrace-err"] && Date() < deadline {
            usleep(50_000)
        }
        // Capabilities are per thread: the recorder and its standard error writer, started after the drop.
        let threads = threadNames(of: recorder.pid)
        #expect(threads.map(\.name).sorted() == ["proctrace", "proctrace-err"], "\(threads)")
        for thread in threads {
            let text = try String(contentsOfFile: "/proc/\(recorder.pid)/task/\(thread.id)/status", encoding: .utf8)
            let capabilities = try #require(ProcessCapabilities(statusText: text))
            #expect(capabilities.effective == .empty && capabilities.permitted == .empty, "\(thread.name)")
            #expect(capabilities.inheritable == .empty && capabilities.ambient == .empty, "\(thread.name)")
            #expect(capabilities.bounding == .empty, "\(thread.name)")
            #expect(text.contains("NoNewPrivs:\t1"), "\(thread.name)")
        }

        // Events after the drop still arrive.
        let (status, _) = try LiveRecording.run("/bin/sh", ["-c", "exit 7"])
        #expect(status == 7)
        #expect(recorder.waitForLog(containing: "\"exit_code\":7"))
        #expect(recorder.stop(SIGTERM) == 0)
        #expect(recorder.logText.contains("\"event\":\"stop\""))
    }

    @Test func bpfRecordThatHashesKeepsOnlySysPtrace() throws {
        let recorder = try RunningRecorder(arguments: ["--backend", "bpf"])
        #expect(recorder.started, "stderr: \(recorder.standardError)")
        let (capabilities, _) = try statusAfterTheDrop(of: recorder.pid)
        #expect(capabilities.effective == CapabilitySet([.sysPtrace]))
        #expect(capabilities.bounding == CapabilitySet([.sysPtrace]))
        #expect(recorder.stop(SIGTERM) == 0)
    }

    @Test func netlinkRecordKeepsOnlySysPtrace() throws {
        let recorder = try RunningRecorder(arguments: ["--backend", "netlink"])
        #expect(recorder.started, "stderr: \(recorder.standardError)")
        let (capabilities, _) = try statusAfterTheDrop(of: recorder.pid)
        #expect(capabilities.effective == CapabilitySet([.sysPtrace]))
        #expect(capabilities.bounding == CapabilitySet([.sysPtrace]))
        // It still reads /proc/PID/exe of a new process that holds every capability
        // (a child of this root test): CAP_SYS_PTRACE at work. The process lives
        // a second, so the read cannot lose the race with its exit.
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["1"]
        try sleeper.run()
        let pid = sleeper.processIdentifier
        sleeper.waitUntilExit()
        let sleep = URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path
        #expect(recorder.waitForLog(containing: "\"event\":\"exec\",\"pid\":\(pid),"))
        let exec = recorder.logText.split(separator: "\n").first { $0.contains("\"event\":\"exec\",\"pid\":\(pid),") }
        #expect(exec?.contains("\"filename\":\"\(sleep)\"") == true, "\(exec ?? "no exec record")")
        #expect(recorder.stop(SIGTERM) == 0)
    }

    @Test func keepCapabilitiesLeavesThemAlone() throws {
        let before = try status(of: getpid()).0
        let recorder = try RunningRecorder(arguments: ["--keep-capabilities"])
        #expect(recorder.started, "stderr: \(recorder.standardError)")
        usleep(300_000)
        #expect(try status(of: recorder.pid).0.effective == before.effective)
        recorder.stop()
    }

    @Test func aMissingCapabilityIsNamedBeforeLoading() throws {
        let (status, _, errors) = try LiveRecording.runCapturingErrors("/usr/bin/setpriv", [
            "--bounding-set=-all,+perfmon", "--inh-caps=-all", "--ambient-caps=-all", "--",
            Binaries.proctrace, "record", "--config", "/dev/null", "--backend", "bpf", "--duration", "1",
        ])
        #expect(status == 1)
        #expect(errors.contains("BPF unavailable: missing capability CAP_BPF (effective: CAP_PERFMON)"), "\(errors)")
    }

    @Test func bpfAndPerfmonAreEnough() throws {
        let recorder = try RunningRecorder(
            arguments: ["--backend", "bpf"],
            launcher: ["/usr/bin/setpriv", "--bounding-set=-all,+bpf,+perfmon", "--inh-caps=-all", "--ambient-caps=-all", "--"])
        #expect(recorder.started, "stderr: \(recorder.standardError)")
        _ = try LiveRecording.run("/bin/sh", ["-c", "exit 5"])
        #expect(recorder.waitForLog(containing: "\"exit_code\":5"))
        #expect(recorder.stop() == 0)
    }
}
