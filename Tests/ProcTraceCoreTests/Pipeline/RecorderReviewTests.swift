import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// `record --rules`: the recorder hands each exec to a reviewer after the
/// tree has it, holds it and the records after it, in order, and writes the
/// names of new uids before it and its alerts right after it; it never waits
/// on the reviewer, and what it gives up it counts.
@Suite struct RecorderReviewTests {
    typealias Enrichment = RecorderEnrichmentTests

    /// Evaluates with the real evaluator, but only when the test says (`finishQueued`).
    final class ScriptedReviewer: ExecReviewer {
        let evaluator: SigmaEvaluator
        var queued: [(UInt32, SigmaExec, Bool, [UInt32])] = []
        var verdicts: [UInt32: ExecVerdict] = [:]
        var acceptsJobs = true
        private(set) var skipped = ReviewSkipCounts()
        private var nextTicket: UInt32 = 1
        var evaluatesRules: Bool { !evaluator.rules.isEmpty }

        init(rules: [SigmaRule]) { evaluator = SigmaEvaluator(rules: rules) }

        func submit(_ exec: SigmaExec, evaluate: Bool, uids: [UInt32]) -> UInt32 {
            guard acceptsJobs else {
                skipped[.queueFull] += 1
                return 0
            }
            defer { nextTicket += 1 }
            queued.append((nextTicket, exec, evaluate, uids))
            return nextTicket
        }

        func finishQueued() {
            for (ticket, exec, evaluate, uids) in queued {
                var verdict = ExecVerdict(users: uids.map { UserName(uid: $0, name: $0 == 1000 ? Array("alice".utf8) : nil) })
                if evaluate {
                    evaluator.evaluate(exec, userName: nil) { rule in
                        verdict.matched.append(evaluator.rules.firstIndex { $0 === rule }!)
                    }
                    if !verdict.matched.isEmpty { verdict.ancestry = exec.ancestry }
                }
                verdicts[ticket] = verdict
            }
            queued.removeAll()
        }

        func take(_ ticket: UInt32) -> ExecVerdict? { verdicts.removeValue(forKey: ticket) }

        func giveUp(_ ticket: UInt32, because reason: ReviewSkipReason) {
            skipped[reason] += 1
            verdicts[ticket] = nil
        }
    }

    /// The rule, as the YAML file would give it (Core reads no YAML: ProcTraceRules does):
    ///
    ///     title: Curl piped to a shell
    ///     id: 6f1d8d1e-0000-4000-8000-00000000c0de
    ///     level: high
    ///     tags: [attack.execution, attack.t1059.004]
    ///     logsource: {category: process_creation, product: linux}
    ///     detection:
    ///         selection: {Image|endswith: /curl, ParentImage|endswith: /sh}
    ///         condition: selection
    static func curlRule() throws -> SigmaRule {
        func text(_ value: String) -> SigmaNode { .scalar(SigmaScalar(value, isPlain: true)) }
        func mapping(_ entries: KeyValuePairs<String, SigmaNode>) -> SigmaNode {
            .mapping(entries.map { SigmaMappingEntry(key: SigmaScalar($0.key, isPlain: true), value: $0.value) }, line: 1)
        }
        let document = mapping([
            "title": text("Curl piped to a shell"), "id": text("6f1d8d1e-0000-4000-8000-00000000c0de"),
            "level": text("high"), "tags": .sequence([text("attack.execution"), text("attack.t1059.004")], line: 1),
            "logsource": mapping(["category": text("process_creation"), "product": text("linux")]),
            "detection": mapping([
                "selection": mapping(["Image|endswith": text("/curl"), "ParentImage|endswith": text("/sh")]),
                "condition": text("selection"),
            ]),
        ])
        struct NoRegex: Error {}
        return try SigmaRuleCompiler.compile(document, file: "test.yml", regex: { _, _ in throw NoRegex() }).get()
    }

    /// sh (1 → 50) forks 51, which execs curl; then 52 execs true (no rule matches).
    static func events() -> [Event] {
        let time = EventSamples.baseTime
        return [
            LifecycleEvents.exec(50, ppid: 1, start: 500, argv: ["/bin/sh", "-c", "curl x | sh"], uid: 1000, at: time),
            LifecycleEvents.fork(51, ppid: 50, start: 510, at: time + 1),
            LifecycleEvents.exec(51, ppid: 50, start: 510, argv: ["/usr/bin/curl", "-s", "http://x"], uid: 1000, at: time + 2),
            LifecycleEvents.exit(51, ppid: 50, start: 510, at: time + 3),
            LifecycleEvents.exec(52, ppid: 1, start: 520, argv: ["/bin/true"], uid: 1000, at: time + 4),
        ]
    }

    static func recorder(_ reviewer: ScriptedReviewer, _ rules: [SigmaRule], _ clock: Enrichment.ManualClock,
                         _ sink: Enrichment.MemorySink, records: Int = 1000) throws -> Recorder {
        var remaining = events()[...]
        let source = GeneratedEventSource(batch: 1000) {
            if let event = remaining.popFirst() { return event }
            clock.now += 100_000_000
            return nil
        }
        let recorder = Recorder(source: source, sink: sink, parents: FakeParentLookup(),
                                review: .init(reviewer: reviewer, rules: rules, wait: 250_000_000, records: records,
                                              clock: { clock.now }))
        try recorder.start(EventSamples.start().stream!, time: EventSamples.baseTime)
        return recorder
    }

    static func kinds(_ sink: Enrichment.MemorySink) throws -> [String] {
        try sink.lines().map { $0.kind == .start || $0.kind == .stop ? $0.kind.name : "\($0.kind.name) \($0.pid)" }
    }

    @Test func theAlertFollowsItsExecWithTheAncestryAndTheRecordsAfterWait() throws {
        let rules = [try Self.curlRule()]
        let (reviewer, clock, sink) = (ScriptedReviewer(rules: rules), Enrichment.ManualClock(), Enrichment.MemorySink())
        let recorder = try Self.recorder(reviewer, rules, clock, sink)
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(try Self.kinds(sink) == ["start"], "everything waits behind the first exec under review")
        #expect(recorder.awaitingCount == 5)
        reviewer.finishQueued()
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(try Self.kinds(sink) == ["start", "user 0", "exec 50", "fork 51", "exec 51", "alert 51", "exit 51", "exec 52"])
        let lines = try sink.lines()
        let user = try #require(lines[1].user)
        #expect(user.uid == 1000 && user.name == Array("alice".utf8), "named once, before its first exec")
        let alert = try #require(lines[5].alert)
        #expect(alert.ruleID == "6f1d8d1e-0000-4000-8000-00000000c0de" && alert.title == "Curl piped to a shell")
        #expect(alert.level == "high" && alert.tags == ["attack.execution", "attack.t1059.004"])
        #expect(alert.execSeq == lines[4].seq && lines[5].startTime == 510)
        #expect(alert.ancestry.map(\.pid) == [50, 1])
        #expect(alert.ancestry[0].image == Array("/bin/sh".utf8) && alert.ancestry[0].known)
        #expect(alert.ancestry[0].argv == ArgumentVector(strings: ["/bin/sh", "-c", "curl x | sh"]))
        #expect(!alert.ancestry[1].known, "init never appeared: its pid alone")
        #expect(recorder.alertsByRule == [1])
        #expect(lines.map(\.seq) == Array(1...UInt64(lines.count)))
    }

    @Test func aVerdictNotInTimeLetsTheExecOutWithoutAlertsAndTheStopCountsIt() throws {
        let rules = [try Self.curlRule()]
        let (reviewer, clock, sink) = (ScriptedReviewer(rules: rules), Enrichment.ManualClock(), Enrichment.MemorySink())
        let recorder = try Self.recorder(reviewer, rules, clock, sink)
        try recorder.pump(timeoutMilliseconds: 0)
        clock.now += 300_000_000
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(try Self.kinds(sink).contains("exec 51"))
        #expect(try !Self.kinds(sink).contains("alert 51"))
        try recorder.finish(time: EventSamples.baseTime + 1000)
        let stop = try #require(try sink.lines().last)
        #expect(stop.kind == .stop && stop.notice?.reviewSkipped == ["timeout: 3"])
        #expect(reviewer.skipped[.timeout] == 3)
    }

    @Test func aFullQueueNeverHoldsTheRecordAndIsCounted() throws {
        let rules = [try Self.curlRule()]
        let (reviewer, clock, sink) = (ScriptedReviewer(rules: rules), Enrichment.ManualClock(), Enrichment.MemorySink())
        reviewer.acceptsJobs = false
        let recorder = try Self.recorder(reviewer, rules, clock, sink)
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(try Self.kinds(sink) == ["start", "exec 50", "fork 51", "exec 51", "exit 51", "exec 52"])
        #expect(recorder.awaitingCount == 0)
        #expect(reviewer.skipped[.queueFull] == 3)
    }

    @Test func pastTheBoundTheOldestGoesOutUnreviewedNeverDropped() throws {
        let rules = [try Self.curlRule()]
        let (reviewer, clock, sink) = (ScriptedReviewer(rules: rules), Enrichment.ManualClock(), Enrichment.MemorySink())
        let recorder = try Self.recorder(reviewer, rules, clock, sink, records: 2)
        try recorder.pump(timeoutMilliseconds: 0)
        #expect(recorder.awaitingCount <= 2)
        reviewer.finishQueued()
        try recorder.finish(time: EventSamples.baseTime + 1000)
        let kinds = try Self.kinds(sink)
        #expect(kinds.filter { $0.hasPrefix("exec") || $0.hasPrefix("fork") || $0.hasPrefix("exit") }
            == ["exec 50", "fork 51", "exec 51", "exit 51", "exec 52"])
        #expect(reviewer.skipped[.held] >= 1)
    }
}
