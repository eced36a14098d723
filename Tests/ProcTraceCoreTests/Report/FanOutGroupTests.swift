@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct FanOutGroupTests {
    /// init → sh (pid 10) → `count` children running `program`; statuses by child number.
    private func fanOut(_ count: Int, program: String = "/bin/true", status: (Int) -> WaitStatus = { _ in WaitStatus(exitCode: 0) },
                        extra: [Event] = []) throws -> ReportData {
        var events = [LifecycleEvents.exists(1, ppid: 0, start: 1, comm: "init", at: 1_000),
                      LifecycleEvents.fork(10, ppid: 1, start: 10, comm: "sh", at: 2_000)]
        for n in 0..<count {
            let pid = Int32(100 + n), start = UInt64(100 + n), time = Int64(10_000 + n * 100)
            events.append(LifecycleEvents.fork(pid, ppid: 10, start: start, comm: "sh", at: time))
            events.append(LifecycleEvents.exec(pid, ppid: 10, start: start, argv: [program, "\(n)"], at: time + 10))
            events.append(LifecycleEvents.exit(pid, ppid: 10, start: start, status: status(n), at: time + 50))
            events.append(LifecycleEvents.reap(pid, start: start, reaper: 10, at: time + 60))
        }
        var remaining = (events + extra)[...]
        return try RecordingReport.build(ReportSelection()) { remaining.popFirst() }
    }

    @Test func manySiblingsRunningOneProgramAreOneRow() throws {
        let data = try fanOut(5003)
        #expect(data.groups.count == 1)
        let group = try #require(data.groups.first)
        #expect(group.label == "×5,003 /bin/true, all exit 0")
        #expect(group.members.count == 5003)
        #expect(group.parent.map { data.processes[$0].pid } == 10)
        #expect(group.members.first.map { data.processes[$0].pid } == 100)
    }

    @Test func mixedOutcomesAreCountedMostCommonFirst() throws {
        let data = try fanOut(120) { n in
            n == 7 ? WaitStatus(signal: 9) : (n % 6 == 0 ? WaitStatus(exitCode: 1) : WaitStatus(exitCode: 0))
        }
        let group = try #require(data.groups.first)
        // 0, 6, …, 114 fail with 1 (20 of them) except 7 is killed (not a multiple of 6): 99 exit 0.
        #expect(group.label == "×120 /bin/true: 99 exit 0, 20 exit 1, 1 SIGKILL")
    }

    @Test func fewSiblingsAreDrawnOneByOne() throws {
        #expect(try fanOut(9).groups.isEmpty)
        #expect(try fanOut(10).groups.count == 1)
    }

    @Test func siblingsRunningDifferentProgramsAreNotMixed() throws {
        var extra: [Event] = []
        for n in 0..<3 {
            let pid = Int32(9000 + n)
            extra.append(LifecycleEvents.fork(pid, ppid: 10, start: UInt64(pid), at: 900_000))
            extra.append(LifecycleEvents.exec(pid, ppid: 10, start: UInt64(pid), argv: ["/bin/false"], at: 900_010))
        }
        let data = try fanOut(12, extra: extra)
        #expect(data.groups.map(\.program) == [Array("/bin/true".utf8)])
        #expect(data.groups[0].members.count == 12)
    }

    @Test func theProgramIsShownAsTheLogEscapesIt() throws {
        let data = try fanOut(10, program: "/tmp/\u{1b}[31m<b>")
        #expect(data.groups.first?.label == "×10 /tmp/\\u001b[31m<b>, all exit 0")
    }

    @Test func thousandsAreGrouped() {
        #expect(FanOutGroup.grouped(0) == "0")
        #expect(FanOutGroup.grouped(999) == "999")
        #expect(FanOutGroup.grouped(1000) == "1,000")
        #expect(FanOutGroup.grouped(1234567) == "1,234,567")
    }
}
