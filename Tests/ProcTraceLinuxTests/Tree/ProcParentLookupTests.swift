#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import Testing

@Suite(.blocking) struct ProcParentLookupTests {
    private let lookup = ProcParentLookup()

    @Test func aSpawnedChildsParentIsUs() throws {
        let child = try ChildProcess(["/bin/sleep", "30"])
        defer { child.stop() }
        let start = try child.startTime()
        #expect(lookup.parent(of: ProcessID(pid: child.pid, startTime: start)) == .parent(getpid()))
    }

    @Test func startTimeIsComparedAtTickPrecision() throws {
        let child = try ChildProcess(["/bin/sleep", "30"])
        defer { child.stop() }
        let start = try child.startTime()
        let tick = ProcStat.nanosecondsPerTick
        // An exact BPF start time lies somewhere inside /proc's tick.
        #expect(lookup.parent(of: ProcessID(pid: child.pid, startTime: start + tick - 1)) == .parent(getpid()))
        // A process started in another tick is another lifetime.
        #expect(lookup.parent(of: ProcessID(pid: child.pid, startTime: start + tick)) == .gone)
        #expect(lookup.parent(of: ProcessID(pid: child.pid, startTime: start - tick)) == .gone)
    }

    @Test func aReapedChildIsGone() throws {
        let child = try ChildProcess(["/bin/true"])
        let start = try? child.startTime()
        child.stop()
        #expect(lookup.parent(of: ProcessID(pid: child.pid, startTime: start ?? 1)) == .gone)
    }

    @Test func anOrphanShowsTheParentTheKernelChoseNotTheOneThatExited() throws {
        // sh starts a sleep in the background and exits at once: the sleep is orphaned.
        let duration = "3\(UInt32.random(in: 1000...9999)).5"
        let shell = try ChildProcess(["/bin/sh", "-c", "/bin/sleep \(duration) </dev/null >/dev/null 2>&1 & exit 0"])
        shell.wait()
        let orphan = try #require(findProcess(argv: ["/bin/sleep", duration]))
        defer { kill(orphan.pid, SIGKILL) }
        let answer = lookup.parent(of: ProcessID(pid: orphan.pid, startTime: orphan.startTimeApproximate))
        #expect(answer != .parent(shell.pid))
        #expect(answer == .parent(orphan.ppid))
    }

    private func findProcess(argv: [String]) -> ProcStat? {
        let wanted = ArgumentVector(strings: argv).bytes
        let deadline = Clock.bootNanoseconds + 5_000_000_000
        while Clock.bootNanoseconds < deadline {
            for pid in ProcFS().pids() where ProcFS().cmdline(pid) == wanted {
                if let stat = ProcFS().stat(pid) { return stat }
            }
            usleep(10_000)
        }
        return nil
    }
}
