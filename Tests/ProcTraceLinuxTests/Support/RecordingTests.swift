import Testing

/// The tests' own reading of a recording: a PID reused while the machine was recorded (CI's
/// storms go through all 32,768 in seconds) is not taken for the scenario's process.
struct RecordingTests {
    static let began = 80_350_000_000_000

    static func record(_ event: String, pid: Int, ppid: Int, start: Int, seq: Int) -> [String: Any] {
        ["event": event, "pid": pid, "ppid": ppid, "start_time": start, "seq": seq]
    }

    /// Each record's line as the recorder writes it: event first, then pid.
    static func recording(_ records: [[String: Any]], scenarioPids: Set<Int> = [13640]) -> Recording {
        let lines = records.map {
            "{\"event\":\"\($0["event"]!)\",\"pid\":\($0["pid"]!),\"start_time\":\($0["start_time"]!),\"seq\":\($0["seq"]!)}"
        }
        return Recording(lines: lines, records: records, scenarios: [:], exitStatus: 0, standardError: "", testPid: 1,
                  scenarioPids: scenarioPids, scenariosBegan: began)
    }

    @Test func aPIDThatNamedAnotherProcessBeforeTheScenariosIsNotTheScenariosProcess() {
        let recording = Self.recording([
            Self.record("exec", pid: 14456, ppid: 13714, start: Self.began - 14_000_000_000, seq: 1),
            Self.record("fork", pid: 14456, ppid: 13640, start: Self.began + 2_000_000_000, seq: 2),
            Self.record("exec", pid: 14456, ppid: 13640, start: Self.began + 2_000_000_000, seq: 3),
        ])
        #expect(recording.records(pid: 14456, event: "exec").map { $0["seq"] as? Int } == [3])
        #expect(recording.records(pid: 14456).count == 2)
        #expect(recording.lines(pid: 14456, event: "exec").map { $0.hasSuffix(",\"seq\":3}") } == [true])
    }

    @Test func aPIDReusedWhileTheScenariosRanIsTheOneThatDescendsFromAScenario() {
        let recording = Self.recording([
            Self.record("fork", pid: 14441, ppid: 13640, start: Self.began + 1_000_000_000, seq: 1),
            Self.record("session", pid: 14441, ppid: 13640, start: Self.began + 1_000_000_000, seq: 2),
            Self.record("exec", pid: 14441, ppid: 13640, start: Self.began + 1_000_000_000, seq: 3),
            Self.record("fork", pid: 14441, ppid: 20000, start: Self.began + 5_000_000_000, seq: 4),
            Self.record("session", pid: 14441, ppid: 20000, start: Self.began + 5_000_000_000, seq: 5),
        ])
        #expect(recording.records(pid: 14441, event: "session").map { $0["seq"] as? Int } == [2])
    }

    @Test func aProcessOlderThanTheScenariosIsFoundByItsPID() {
        let recording = Self.recording([Self.record("exists", pid: 1, ppid: 0, start: 0, seq: 1)])
        #expect(recording.records(pid: 1).count == 1)
    }
}
