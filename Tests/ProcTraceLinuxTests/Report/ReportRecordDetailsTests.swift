import Foundation
@testable import ProcTraceCore
import ProcTraceLinux
import ProcTraceTestSupport
import Testing

/// The record details the page shows, in Debian's headless Chromium, against the Swift schema:
/// a record of every kind the page shows, with every field set, lists every field RecordSchema
/// gives that kind, in its order. The page learns them from the schema element (ReportSchema), so
/// a field added to a kind's body is on the page with no edit to the script.
@Suite(.blocking) struct ReportRecordDetailsTests {
    /// What the details list for a record of `kind`: seq, time, ppid and comm, then every field RecordSchema
    /// gives the kind, in its order, but those of the row (pid, start_time) and the process context (not in
    /// the report); the six credentials are one ("credentials"), sid and pgid one ("session"), exit_code,
    /// signal and core_dumped one ("status").
    static func expectedLabels(_ kind: EventKind) -> [String] {
        var labels = ["seq", "time", "ppid", "comm"]
        for entry in RecordSchema.body(of: kind) {
            let field = entry.field
            if [.pid, .ppid, .comm, .startTime].contains(field) || RecordSchema.contextFields.contains(field) { continue }
            let label = switch field {
            case .uid, .euid, .suid, .gid, .egid, .sgid: "credentials"
            case .sid, .pgid: "session"
            case .exitCode, .signal, .coreDumped: "status"
            default: field.key.description
            }
            if labels.last != label { labels.append(label) }
        }
        return labels
    }

    /// A record of `kind` with every field a process record can have set (the same credentials and
    /// session throughout, so no "credentials changed" line). A field added to a kind is set here too:
    /// one the log leaves out without a value is on the page only with one (the test names it).
    static func full(_ kind: EventKind, pid: Int32, at time: Int64) -> Event {
        var event = Event(kind: kind, time: time, pid: pid, ppid: 1, startTime: 5_000)
        event.comm = Comm("full")
        event.tid = pid + 1
        event.filename = Array("/usr/bin/full".utf8)
        event.filenameTruncated = true
        event.argv = ArgumentVector(strings: ["full", "--all"])
        event.argvTruncated = true
        event.credentials = Credentials(uid: 1000, euid: 1000, suid: 1000, gid: 100, egid: 100, sgid: 100)
        event.session = SessionIDs(sid: 40, pgid: 41)
        event.oldPid = pid + 2
        event.oldPpid = 7
        event.exitStatus = WaitStatus(exitCode: 3)
        event.durationNs = 1_500_000
        event.reaper = 1
        event.reapReason = .wait
        event.state = UInt8(ascii: "R")
        event.isKernelThread = true
        event.unavailable = [.comm]
        return event
    }

    /// Labels by kind in the details of the process `pid` the page at `url` selected (#find=PID), and the details' markup.
    static func shownLabels(_ page: URL, pid: Int32) throws -> (records: [(kind: String, labels: [String])], details: String) {
        let dom = try Chromium.dumpDOM("file://\(page.path)#find=\(pid)", window: "1400,3000")
        let details = try #require(dom.components(separatedBy: #"<aside id="details""#).last)
        #expect(details.hasPrefix(#" aria-label="Details" data-pid="\#(pid)">"#), "the page selected \(pid)")
        let label = try NSRegularExpression(pattern: "<dt>([^<]*)</dt>")
        let records = details.components(separatedBy: #"<div class="record"><b>"#).dropFirst().map { record in
            let kind = String(record.prefix { $0 != "<" })
            let body = record.components(separatedBy: "</dl>")[0]
            let labels = label.matches(in: body, range: NSRange(body.startIndex..., in: body)).map {
                String(body[Range($0.range(at: 1), in: body)!])
            }
            return (kind, labels)
        }
        return (records, details)
    }

    @Test func everyFieldOfEveryProcessRecordIsShownAsTheSchemaSpellsIt() throws {
        let kinds: [EventKind] = [.exists, .exec, .comm, .cred, .session, .threadStart, .threadExit, .reparent, .exit, .reap]
        var events = kinds.enumerated().map { Self.full($1, pid: 300, at: 1_000_000_000 + Int64($0) * 1_000_000) }
        // A fork starts the row of the process it names: a child of 300's.
        events.insert(Self.full(.fork, pid: 301, at: 1_001_500_000), at: 2)
        events[2].ppid = 300
        // Then an exec with only some of the fields the log leaves out when they have no value: the
        // page shows those it has, with their own values, and none of the others.
        var exec = LifecycleEvents.exec(301, ppid: 300, start: 5_000, argv: ["/bin/partial"], at: 1_001_600_000)
        exec.oldPid = 302
        exec.unavailable = [.credentials]
        events.insert(exec, at: 3)
        var remaining = events[...]
        let data = try RecordingReport.build(ReportSelection()) { remaining.popFirst() }
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-details-\(UUID()).html")
        try Data(try ReportPage.html(data, gzip: { try Gzip.compress($0, alongside: $1) }, nonce: "0123456789abcdef").array).write(to: page)
        defer { try? FileManager.default.removeItem(at: page) }

        let (child, childDetails) = try Self.shownLabels(page, pid: 301)
        let partial = child.last
        #expect(partial?.kind == "exec" && partial?.labels == ["seq", "time", "ppid", "comm", "filename", "argv", "argv_truncated",
                                                               "old_pid", "unavailable"], "\(child)")
        #expect(childDetails.contains("<dt>filename</dt><dd>\"/bin/partial\"</dd>"))
        #expect(childDetails.contains("<dt>argv_truncated</dt><dd>false</dd><dt>old_pid</dt><dd>302</dd><dt>unavailable</dt><dd>credentials</dd>"))
        let shown = try Self.shownLabels(page, pid: 300).records + child.dropLast()
        #expect(Set(shown.map(\.kind)) == Set((kinds + [.fork]).map(\.name)), "a record of every kind: \(shown)")
        for (kind, labels) in shown {
            let expected = try Self.expectedLabels(#require(EventKind(name: kind)))
            #expect(labels == expected, "\(kind) records: the page shows \(labels), the schema has \(expected)")
        }
    }
}
