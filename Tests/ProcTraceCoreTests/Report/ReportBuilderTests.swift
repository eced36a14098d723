@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct ReportBuilderTests {
    private func report(_ events: [Event], _ selection: ReportSelection = ReportSelection()) throws -> ReportData {
        var remaining = events[...]
        return try RecordingReport.build(selection) { remaining.popFirst() }
    }

    /// The report of the fixture, and the process records it kept with their rows.
    private func fixtureWithRecords(_ selection: ReportSelection = ReportSelection()) throws
        -> (ReportData, [(event: Event, row: Int)]) {
        let reader = try FixtureLog(path: Fixtures.path("build.jsonl"))
        var kept: [(event: Event, row: Int)] = []
        let data = try RecordingReport.build(selection, next: reader.next) { kept.append(($0, $1)) }
        #expect(data.records.count == kept.count)
        return (data, kept)
    }

    private func fixture(_ selection: ReportSelection = ReportSelection()) throws -> ReportData {
        try fixtureWithRecords(selection).0
    }

    private func kinds(ofRow row: Int, in kept: [(event: Event, row: Int)]) -> [EventKind] {
        kept.filter { $0.row == row }.map(\.event.kind)
    }

    private func row(_ pid: Int32, in data: ReportData) throws -> ReportProcess {
        try #require(data.processes.first { $0.pid == pid }, "no row for \(pid)")
    }

    private func parentPid(_ pid: Int32, in data: ReportData) throws -> Int32? {
        try row(pid, in: data).parent.map { data.processes[$0].pid }
    }

    @Test func fixtureRowsNestUnderTheProcessThatStartedThem() throws {
        let data = try fixture()
        #expect(data.processes.map(\.pid) == [1, 100, 101, 102, 103])
        #expect(try parentPid(1, in: data) == nil)
        #expect(try parentPid(100, in: data) == 1)
        #expect(try parentPid(101, in: data) == 100)
        #expect(try parentPid(102, in: data) == 101)
        // 103 was orphaned and adopted by init, but make started it: it stays under make, marked.
        #expect(try parentPid(103, in: data) == 101)
        #expect(try row(103, in: data).adoptedBy == 1)
        #expect(try row(1, in: data).origin == .exists)
        #expect(try row(101, in: data).origin == .fork)
        #expect(try row(101, in: data).children.map { data.processes[$0].pid } == [102, 103])
    }

    @Test func fixtureOutcomesTimesAndRecords() throws {
        let (data, kept) = try fixtureWithRecords()
        #expect(try row(1, in: data).outcome == .running)
        #expect(try row(101, in: data).outcome == .exitedNonZero)
        #expect(try row(101, in: data).exitStatus?.summary == "exited 2")
        #expect(try row(102, in: data).outcome == .exitedNonZero)
        #expect(try row(103, in: data).outcome == .killed)
        let make = try row(101, in: data)
        #expect(make.begin == data.start + 100_000_000)
        #expect(make.exitTime.map { $0 - make.begin } == 1_600_000_000)
        #expect(make.reapTime != nil)
        let makeRow = try #require(data.processes.firstIndex { $0.pid == 101 })
        #expect(kinds(ofRow: makeRow, in: kept) == [.fork, .exec, .exit, .reap])
        #expect(data.tables.strings.values[Int(make.file)] == Array("/usr/bin/make".utf8))
        #expect(data.lost.map(\.count) == [3])
        #expect(data.end - data.start == 9_700_000_000)
        #expect(data.statistics.lingeringZombieCount == 2)
        #expect(data.statistics.count(.exec) == 3)
    }

    @Test func aReusedPidIsANewRow() throws {
        let events = [
            LifecycleEvents.exists(1, ppid: 0, start: 1, comm: "init", at: 1_000),
            LifecycleEvents.fork(50, ppid: 1, start: 500, at: 2_000),
            LifecycleEvents.exit(50, ppid: 1, start: 500, status: WaitStatus(exitCode: 4), at: 3_000),
            LifecycleEvents.reap(50, start: 500, reaper: 1, at: 4_000),
            LifecycleEvents.fork(50, ppid: 1, start: 900, at: 5_000),
            LifecycleEvents.exit(50, ppid: 1, start: 900, at: 6_000),
        ]
        let data = try report(events)
        let rows = data.processes.filter { $0.pid == 50 }
        #expect(rows.map(\.startTime) == [500, 900])
        #expect(rows.map(\.outcome) == [.exitedNonZero, .exitedZero])
        #expect(rows[0].reapTime == 4_000 && rows[0].reaper == 1)
        #expect(rows[1].reapTime == nil, "the second lifetime is a zombie at the end")
        #expect(rows.allSatisfy { $0.parent == 0 })
    }

    @Test func aRecordWithoutItsForkStartsAnUnseenRow() throws {
        let data = try report([
            LifecycleEvents.exists(1, ppid: 0, start: 1, at: 1_000),
            LifecycleEvents.exec(60, ppid: 1, start: 600, argv: ["/bin/ls"], at: 2_000),
        ])
        let ls = try row(60, in: data)
        #expect(ls.origin == .unseen)
        #expect(ls.begin == 2_000)
        #expect(ls.parent == 0)
    }

    @Test func aWindowKeepsTheProcessesAliveAtItsStart() throws {
        // Fixture: make (101) forks at +0.1 s, exits at +1.7; cc 102 +0.2 → +1.3; cc 103 +0.3 → +1.3.
        let (data, kept) = try fixtureWithRecords(ReportSelection(from: TimeBound(parsing: "1.5"), until: TimeBound(parsing: "3")))
        #expect(data.end - data.start == 1_500_000_000)
        let make = try row(101, in: data)
        #expect(make.origin == .beforeWindow)
        #expect(make.begin == data.start)
        #expect(make.outcome == .exitedNonZero, "its exit at +1.7 s is inside the window")
        let makeRow = try #require(data.processes.firstIndex { $0.pid == 101 })
        #expect(kinds(ofRow: makeRow, in: kept).contains(.fork) == false)
        let cc = try row(102, in: data)
        #expect(cc.origin == .beforeWindow)
        #expect(cc.exitTime == data.start, "a zombie when the window began")
        #expect(cc.parent.map { data.processes[$0].pid } == 101)
        #expect(kept.allSatisfy { $0.event.time >= data.start && $0.event.time <= data.end })
    }

    @Test func pidAndDescendantsSelectOneSubtree() throws {
        let data = try fixture(ReportSelection(filter: EventFilter(pids: [101], descendants: true)))
        #expect(data.processes.map(\.pid) == [101, 102, 103])
        #expect(data.processes[0].parent == nil)
        #expect(try parentPid(103, in: data) == 101)
    }

    @Test func pidWithoutDescendantsIsOneRow() throws {
        let data = try fixture(ReportSelection(filter: EventFilter(pids: [102])))
        #expect(data.processes.map(\.pid) == [102])
    }
}
