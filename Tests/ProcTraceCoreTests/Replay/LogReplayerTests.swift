import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct LogReplayerTests {
    @Test func buildsTheTreeAndDeliversWhatTheFilterKeeps() throws {
        let text = EventSamples.logText(EventSamples.everyKind())
        let replayer = LogReplayer(filter: EventFilter(kinds: [.reap]))
        var kept: [String] = []
        let lines = try text.withUnsafeBytes { buffer in
            try replayer.replay(lines: buffer) { kept.append("\($0.kind.name) \($0.pid) \($0.comm.description)") }
        }
        #expect(lines == EventSamples.everyKind().count)
        #expect(kept == ["start 0 ", "reap 4243 ls", "reap 4244 xargs", "lost 0 ", "lost 0 ", "resync 0 ", "user 0 ", "user 0 ",
                         "alert 4242 ", "stop 0 "])
        #expect(replayer.tree[4243] == nil, "reaped processes leave the tree")
        #expect(replayer.tree[1]?.comm == Comm("systemd"))
    }

    @Test func namesTheBadLine() {
        let text = EventSamples.logText([EventSamples.start()]) + Array("{}\n".utf8)
        #expect(throws: LogReadError(path: "buffer", line: 2, reason: #"no "event" field"#)) {
            try text.withUnsafeBytes { try LogReplayer().replay(lines: $0, name: "buffer") }
        }
    }
}
