import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct RecordedTreeBuilderTests {
    private static let second: Int64 = 1_000_000_000
    private static let t0: Int64 = 1_800_000_000 * second

    /// start; 100 forks 200 at +1 s; 200 exits at +2 s; reaped at +5 s.
    private static let recording: [Event] = [
        Event(kind: .start, time: t0),
        E.exists(1, ppid: 0, start: 1, at: t0),
        E.exists(100, ppid: 1, start: 100, at: t0),
        E.fork(200, ppid: 100, start: 200, at: t0 + 1 * second),
        E.exit(200, ppid: 100, start: 200, status: WaitStatus(signal: 15), at: t0 + 2 * second),
        E.reap(200, start: 200, reaper: 100, at: t0 + 5 * second),
        Event(kind: .stop, time: t0 + 6 * second),
    ]

    private func build(at moment: TreeMoment) throws -> (tree: ProcessTree, time: Int64) {
        var records = Self.recording[...]
        return try RecordedTreeBuilder.build(at: moment) { records.popFirst() }
    }

    @Test func betweenExitAndReapTheChildIsAZombie() throws {
        let (tree, time) = try build(at: .afterStart(3 * Self.second))
        #expect(time == Self.t0 + 3 * Self.second)
        let zombie = try #require(tree[200])
        #expect(zombie.isZombie)
        #expect(zombie.exitStatus?.signal == 15)
        #expect(TreeTextRenderer(now: time).render([try #require(tree[100])]) == "100 p100 (0)\n└─ 200 p200 <zombie 1s>\n")
    }

    @Test func beforeTheExitItRunsAndAfterTheReapItIsGone() throws {
        #expect(try build(at: .time(Self.t0 + 1_500_000_000)).tree[200]?.isZombie == false)
        #expect(try build(at: .afterStart(5 * Self.second)).tree[200] == nil)
        let (tree, time) = try build(at: .end)
        #expect(tree[200] == nil && tree.count == 2)
        #expect(time == Self.t0 + 6 * Self.second)
    }

    @Test func aLateReparentRecordStillCounts() throws {
        let records: [Event] = [
            E.exists(1, ppid: 0, start: 1, at: 0),
            E.exists(100, ppid: 1, start: 100, at: 0),
            E.fork(200, ppid: 100, start: 200, at: 10),
            E.exit(100, ppid: 1, start: 100, at: 20),
            E.fork(300, ppid: 1, start: 300, at: 40),
            // Written once the move was visible, dated at the parent's exit.
            E.reparent(200, from: 100, to: 1, start: 200, at: 20),
        ]
        var remaining = records[...]
        let (tree, _) = try RecordedTreeBuilder.build(at: .time(30)) { remaining.popFirst() }
        #expect(tree.childPIDs(of: 1) == [100, 200])
        #expect(tree[300] == nil)
    }

    @Test func momentsParseAsRFC3339OrSecondsSinceTheStart() {
        #expect(TreeMoment(parsing: "2026-11-23T20:12:46.5Z") == .time(RFC3339.parse("2026-11-23T20:12:46.5Z")!))
        #expect(TreeMoment(parsing: "90") == .afterStart(90 * Self.second))
        #expect(TreeMoment(parsing: "0.25") == .afterStart(250_000_000))
        #expect(TreeMoment(parsing: "-1") == nil)
        #expect(TreeMoment(parsing: "yesterday") == nil)
        #expect(TreeMoment(parsing: "nan") == nil)
    }
}
