#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import Testing

/// `--backend auto` falls back to netlink when BPF cannot start; `--backend bpf` does not.
@Suite(.blocking,
    .serialized,
    .enabled(if: Privilege.canTrace, Privilege.skipReason)
)
struct BackendFallbackTests {
    static var failingBPF: BPFSettings {
        var settings = BPFSettings()
        settings.simulateLoadFailure = true
        return settings
    }

    @Test func autoTracesOnNetlinkAndSaysWhyOnce() throws {
        var reports: [String] = []
        let source = try Backend.auto.makeSource(bpf: Self.failingBPF, netlink: NetlinkSettings()) { reports.append($0) }
        defer { source.close() }
        #expect(source.backendName == "netlink")
        #expect(reports.count == 1)
        #expect(reports.first?.contains("simulated") == true)
        #expect(reports.first?.contains("netlink") == true)

        let child = try ChildProcess("/bin/sh", ["sh", "-c", "exit 7"])
        child.wait()
        var exit: Event?
        let deadline = Clock.monotonicNanoseconds + 5_000_000_000
        while exit == nil && Clock.monotonicNanoseconds < deadline {
            _ = try source.poll(timeoutMilliseconds: 20) { event in
                if event.kind == .exit && event.pid == child.pid { exit = event }
            }
        }
        #expect(exit?.exitStatus?.exitCode == 7)
    }

    @Test func bpfFailsWithTheReasonInsteadOfFallingBack() {
        var reports: [String] = []
        #expect(throws: BPFStartError.self) {
            _ = try Backend.bpf.makeSource(bpf: Self.failingBPF, netlink: NetlinkSettings()) { reports.append($0) }
        }
        #expect(reports.isEmpty)
    }
}
