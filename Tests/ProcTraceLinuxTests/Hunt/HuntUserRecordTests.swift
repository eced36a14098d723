import Foundation
import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// `hunt` reads `User` from the recording's own `user` records: a log made on
/// another host ("build-01") needs no passwd file there or here.
@Suite(.blocking) struct HuntUserRecordTests {
    static let rule = """
        title: Runs as a named user
        id: 11111111-2222-4333-8444-555555555555
        level: medium
        logsource: {category: process_creation, product: linux}
        detection:
            selection:
                User: deploy-robot
            condition: selection
        """

    static func hunt(naming: Bool) throws -> ReadCommandRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-hunt-user-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var events = [EventSamples.start()]
        if naming {
            var user = Event(kind: .user, time: EventSamples.baseTime + 1)
            // A uid no host here has: only the recording can name it.
            user.user = UserName(uid: 4_123_456, name: Array("deploy-robot".utf8))
            events.append(user)
        }
        events.append(LifecycleEvents.exec(77, ppid: 1, start: 770, argv: ["/usr/bin/true"], uid: 4_123_456,
                                           at: EventSamples.baseTime + 2))
        for index in events.indices { events[index].seq = UInt64(index + 1) }
        let log = directory.appendingPathComponent("events.jsonl").path
        try Data(EventSamples.logText(events)).write(to: URL(fileURLWithPath: log))
        let rules = directory.appendingPathComponent("rule.yml").path
        try Self.rule.write(toFile: rules, atomically: true, encoding: .utf8)
        return try ReadCommandRun.run(["hunt", "--json", "--rules", rules, log])
    }

    @Test func userComesFromTheRecordingsUserRecord() throws {
        let named = try Self.hunt(naming: true)
        #expect(named.status == 1, "\(named.errorText)")
        #expect(named.outputLines.count == 1 && named.outputLines[0].contains("\"pid\":77"), "\(named.outputLines)")
        let unnamed = try Self.hunt(naming: false)
        #expect(unnamed.status == 0, "without the user record the uid has no name: \(unnamed.outputLines)")
    }
}
