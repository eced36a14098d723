import Foundation
import Testing

/// `proctrace report` on a real recording, loaded in Debian's headless
/// Chromium: the DOM the page builds, what it runs, what it requests.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct ReportBrowserTests {
    static let hostileComm = "</script><i>"
    static let hostileImage = "<img src=x onerror=window.__pwned=1>"
    static let hostileScript = "</script><script>window.__pwned=1</script>"

    /// A real `proctrace record` of known scenarios and a shell with hostile names and arguments, all under one shell.
    // Unchecked: immutable once made (every property a let, the scenarios' parsed JSON never changed).
    struct Fixture: @unchecked Sendable {
        let directory: URL
        let log: URL
        let report: URL
        let fullReport: URL
        let scenarios: [String: [String: Any]]
        let shellPid: Int
        /// The shell everything ran under: the report's --pid.
        let wrapperPid: Int
        let logLines: [String]

        static func make() throws -> Fixture {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-report-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let log = directory.appendingPathComponent("events.jsonl")
            let recorder = try LiveRecording.startRecorder(log: log.path)
            // Everything runs under one shell, so the report can select exactly it (--pid SHELL --descendants)
            // while other suites start processes of their own. It prints its PID, each scenario's JSON, then
            // the hostile shell's PID. dash runs printf itself, so /proc/self is the hostile shell: its comm
            // becomes $0.
            let hostile = #"""
                echo $$; printf '%s' "$0" > /proc/self/comm; /bin/echo "$1" "$2" > /dev/null
                i=0; while [ $i -lt 12 ]; do /bin/true; i=$((i+1)); done; /bin/sh -c 'exit 7'; exit 0
                """#
            let wrapper = #"""
                echo $$
                for name in tree exit3 sigkill zombie daemon changes; do "$0" "$name" || exit 1; done
                /bin/sh -c "$1" "$2" "$3" "$4"; exit $?
                """#
            let (status, output) = try LiveRecording.run("/bin/sh", ["-c", wrapper, Binaries.scenarios, hostile,
                                                                     hostileComm, hostileImage, hostileScript])
            let lines = output.split(separator: "\n").map(String.init)
            guard status == 0, lines.count == 8, let wrapperPid = Int(lines[0]), let shellPid = Int(lines[7]) else {
                throw RecordingError.scenarioFailed("report scenarios: \(output)", status)
            }
            var scenarios: [String: [String: Any]] = [:]
            for (name, line) in zip(["tree", "exit3", "sigkill", "zombie", "daemon", "changes"], lines[1...6]) {
                scenarios[name] = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
            }
            // The stop waits half a second for reaps the kernel has done (Recorder.reapGrace). The changes
            // child's reap comes with sched_process_free, after an RCU grace period, which on a loaded machine
            // was later than that (a make test beside a busy loop): its details, which must show the reap,
            // showed it never reaped. So the recording runs until the log holds it (at most 10 s).
            let changesReap = #""event":"reap","pid":\#(scenarios["changes"]?["child"] as? Int ?? -1),"#
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !((try? String(contentsOf: log, encoding: .utf8))?.contains(changesReap) ?? false) {
                usleep(50_000)
            }
            usleep(300_000)
            kill(recorder.processIdentifier, SIGINT)
            recorder.waitUntilExit()

            let report = directory.appendingPathComponent("report.html")
            let fullReport = directory.appendingPathComponent("full.html")
            for arguments in [["--pid", "\(wrapperPid)", "--descendants", "-o", report.path], ["-o", fullReport.path]] {
                let (reportStatus, _, errors) = try LiveRecording.runCapturingErrors(
                    Binaries.proctrace, ["report", log.path] + arguments)
                guard reportStatus == 0 else { throw Chromium.Failure(description: "proctrace report failed: \(errors)") }
            }
            return Fixture(directory: directory, log: log, report: report, fullReport: fullReport, scenarios: scenarios,
                           shellPid: shellPid, wrapperPid: wrapperPid,
                           logLines: try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init))
        }

        func pid(_ scenario: String, _ key: String) throws -> Int {
            try #require(scenarios[scenario]?[key] as? Int, "scenario \(scenario) printed no \(key)")
        }
    }

    /// The report's DOM after it ran, with `#find=` the hostile shell's PID, and the requests it made.
    struct Loaded {
        let dom: String
        let requests: [String]
    }

    static let fixture = Result { try Fixture.make() }
    static let loaded = Result { () throws -> Loaded in
        let fixture = try Self.fixture.get()
        let netLog = fixture.directory.appendingPathComponent("net.json").path
        let dom = try Chromium.dumpDOM("file://\(fixture.report.path)#find=\(fixture.shellPid)", window: "1400,6000", netLog: netLog)
        return Loaded(dom: dom, requests: try Chromium.pageRequests(netLog: netLog))
    }

    /// Each drawn row's attributes and markup, by data-pid (process rows) or "group:N".
    static func rows(_ dom: String) -> [String: (attributes: [String: String], html: String)] {
        var rows: [String: (attributes: [String: String], html: String)] = [:]
        let chunks = dom.components(separatedBy: #"<div class="row"#).dropFirst()
        for chunk in chunks {
            let tag = String(chunk.prefix { $0 != ">" })
            var attributes: [String: String] = [:]
            let pattern = try! NSRegularExpression(pattern: #"([a-z-]+)="([^"]*)""#)
            for match in pattern.matches(in: tag, range: NSRange(tag.startIndex..., in: tag)) {
                attributes[String(tag[Range(match.range(at: 1), in: tag)!])] = String(tag[Range(match.range(at: 2), in: tag)!])
            }
            let key = attributes["data-pid"] ?? "group:" + (attributes["data-group"] ?? "?")
            rows[key] = (attributes, chunk)
        }
        return rows
    }

    @Test func knownProcessesAreDrawnUnderTheirParentsWithTheirOutcome() throws {
        let fixture = try Self.fixture.get()
        let dom = try Self.loaded.get().dom
        #expect(dom.contains(#"data-ready="1""#), "the page did not finish: \(dom.prefix(2000))")
        let rows = Self.rows(dom)
        func row(_ pid: Int) throws -> [String: String] { try #require(rows["\(pid)"]?.attributes, "no row for \(pid)") }

        let tree = try fixture.pid("tree", "pid")
        #expect(try row(tree)["data-parent-pid"] == "\(fixture.wrapperPid)")
        let children = try #require(fixture.scenarios["tree"]?["children"] as? [Int])
        let grandchildren = try #require(fixture.scenarios["tree"]?["grandchildren"] as? [Int])
        for (child, grandchild) in zip(children, grandchildren) {
            #expect(try row(child)["data-parent-pid"] == "\(tree)")
            #expect(try row(grandchild)["data-parent-pid"] == "\(child)")
            #expect(try row(child)["data-outcome"] == "exit0")
        }
        let exit3 = try row(fixture.pid("exit3", "child"))
        #expect(exit3["data-outcome"] == "nonzero" && exit3["data-status"] == "exited 3")
        #expect(exit3["data-parent-pid"] == "\(try fixture.pid("exit3", "pid"))")
        let killed = try row(fixture.pid("sigkill", "child"))
        #expect(killed["data-outcome"] == "killed" && killed["data-status"] == "killed by SIGKILL")
        let zombie = try fixture.pid("zombie", "child")
        #expect(try row(zombie)["data-status"] == "exited 5")
        #expect(rows["\(zombie)"]?.html.contains(#"class="zombie""#) == true, "its unreaped second is drawn as zombie time")
        let daemon = try fixture.pid("daemon", "daemon")
        #expect(try row(daemon)["data-parent-pid"] == "\(try fixture.pid("daemon", "child"))", "nested where it was born")
        #expect(rows["\(daemon)"]?.html.contains("→ adopted by") == true, "its re-parenting is shown")

        // The shell: one row per child except the twelve /bin/true, which are one group row.
        #expect(try row(fixture.shellPid)["data-parent-pid"] == "\(fixture.wrapperPid)")
        let groups = rows.values.filter { $0.attributes["data-count"] != nil && $0.attributes["data-parent-pid"] == "\(fixture.shellPid)" }
        #expect(groups.count == 1)
        #expect(groups.first?.attributes["data-count"] == "12")
        #expect(groups.first?.html.contains("×12 /bin/true, all exit 0") == true)
        let shellChildren = rows.values.filter { $0.attributes["data-parent-pid"] == "\(fixture.shellPid)" && $0.attributes["data-pid"] != nil }
        #expect(shellChildren.contains { $0.attributes["data-status"] == "exited 7" })
        #expect(shellChildren.contains { $0.html.contains("/bin/echo") && $0.attributes["data-outcome"] == "exit0" })
    }

    @Test func hostileNamesAndArgumentsAreTextAndNothingRuns() throws {
        let fixture = try Self.fixture.get()
        let dom = try Self.loaded.get().dom
        #expect(dom.contains(#"data-pwned="0""#), "an injected script set window.__pwned")
        #expect(!dom.contains("data-error"))
        #expect(dom.components(separatedBy: "<script").count - 1 == 4,
                "only the page's schema and two data elements and its script")
        #expect(!dom.contains("<img"), "no element was made from a log string")
        let shell = try #require(Self.rows(dom)["\(fixture.shellPid)"]?.html)
        #expect(shell.contains(#"<span class="comm">&lt;/script&gt;&lt;i&gt;</span>"#))
        #expect(shell.contains("&lt;img src=x onerror=window.__pwned=1&gt;"))
        #expect(shell.contains("&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"))
        // #find=PID selected the hostile shell and opened its details.
        #expect(dom.contains(#"<aside id="details" aria-label="Details" data-pid="\#(fixture.shellPid)">"#))
        let details = try #require(dom.components(separatedBy: #"<aside id="details""#).last)
        #expect(details.contains("<b>comm</b>"), "the rename is one of its records")
        #expect(details.contains(#"<dt>comm</dt><dd>"&lt;/script&gt;&lt;i&gt;"</dd>"#))
        #expect(details.contains(#","&lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;"]</dd>"#),
                "argv exactly as the log writes the array")
    }

    @Test func detailsShowEveryFieldWithCredentialChanges() throws {
        let fixture = try Self.fixture.get()
        let child = try fixture.pid("changes", "child")
        let dom = try Chromium.dumpDOM("file://\(fixture.report.path)#find=\(child)", window: "1400,3000")
        let details = try #require(dom.components(separatedBy: #"<aside id="details""#).last)
        #expect(details.hasPrefix(#" aria-label="Details" data-pid="\#(child)">"#))
        #expect(details.contains(#"renamed\u001bname"#), "the name as the log escapes it")
        #expect(details.contains("uid 0 → 65534"), "the credential change")
        for kind in ["fork", "comm", "session", "cred", "exit", "reap"] {
            #expect(details.contains("<b>\(kind)</b>"), "its \(kind) record")
        }
        let fork = try #require(fixture.logLines.first { $0.contains(#""event":"fork","pid":\#(child),"#) })
        let startTime = try #require(fork.components(separatedBy: #""start_time":"#).last?.prefix { $0.isNumber })
        #expect(details.contains("<dd>\(startTime)</dd>"), "start_time exact")
        let seq = try #require(fork.components(separatedBy: #""seq":"#).dropFirst().first?.prefix { $0.isNumber })
        #expect(details.contains("<dd>\(seq)</dd>"), "the fork's seq")
        #expect(details.contains("exited 0"))
    }

    @Test func thePageMakesNoRequest() throws {
        let fixture = try Self.fixture.get()
        let loaded = try Self.loaded.get()
        #expect(loaded.requests.isEmpty, "requests: \(loaded.requests.joined(separator: ", "))")
        let html = try String(contentsOf: fixture.report, encoding: .utf8)
        #expect(html.contains(#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-"#))
        // The check sees what a page loads: a page that loads an image and fetches is caught.
        let control = fixture.directory.appendingPathComponent("control.html")
        try #"<!DOCTYPE html><img src="http://127.0.0.1:9/probe.png"><script>fetch("http://127.0.0.1:9/probe")</script>"#
            .write(to: control, atomically: true, encoding: .utf8)
        let netLog = fixture.directory.appendingPathComponent("control-net.json").path
        _ = try Chromium.dumpDOM("file://\(control.path)", budgetMs: 3000, netLog: netLog)
        let caught = try Chromium.pageRequests(netLog: netLog)
        #expect(caught.contains { $0.hasPrefix("http://127.0.0.1:9/probe.png") })
        #expect(caught.contains { $0.hasPrefix("http://127.0.0.1:9/probe ") })
    }

    @Test func theWholeRecordingRendersAndAScreenshotIsTaken() throws {
        let fixture = try Self.fixture.get()
        let dom = try Chromium.dumpDOM("file://\(fixture.fullReport.path)")
        #expect(dom.contains(#"data-ready="1""#))
        let processes = try #require(dom.components(separatedBy: #"data-processes=""#).dropFirst().first?.prefix { $0.isNumber })
        let exists = fixture.logLines.filter { $0.contains(#""event":"exists""#) }.count
        #expect(Int(processes) ?? 0 > exists, "every process in the snapshot and every one forked since")
        // The first row is the log's first process (it has no parent before it): drawn at the top.
        let first = try #require(fixture.logLines.first { $0.contains(#""event":"exists""#) })
        let firstPid = try #require(first.components(separatedBy: #""pid":"#).dropFirst().first?.prefix { $0.isNumber })
        let firstRow = try #require(dom.components(separatedBy: #"<div class="row"#).dropFirst().first)
        #expect(firstRow.contains(#"data-pid="\#(firstPid)""#), "the first row: \(firstRow.prefix(200))")
        let screenshot = URL(fileURLWithPath: Binaries.buildDirectory.path).appendingPathComponent("report-screenshot.png")
        try? FileManager.default.removeItem(at: screenshot)
        try Chromium.screenshot("file://\(fixture.report.path)#find=\(fixture.shellPid)", to: screenshot.path)
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]) && png.count > 20_000)
    }

    /// A chain of 100 nested forks (a log written here, no recording needed): the deepest
    /// label was indented 1,400 px (1.4 million px at 100,000 levels), out of its 430 px column.
    /// Like `tree`, the page stops indenting past a depth and writes the depth out.
    @Test func aDeepChainStopsIndentingAndSaysItsDepth() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let credentials = #""uid":0,"euid":0,"suid":0,"gid":0,"egid":0,"sgid":0,"sid":1,"pgid":1"#
        var lines = [
            #"{"seq":1,"time":"2026-11-23T20:27:24.000000000Z","event":"start","format":"proctrace","version":1,"backend":"bpf","host":"vm","boot_id":"e589cdac-5f18-415d-9ddd-b7a6f3dcae5f","kernel":"6.18.44","proctrace_version":"0.1.0","recorder_pid":6859}"#,
            #"{"seq":2,"time":"2026-11-23T20:27:24.500000000Z","event":"exists","pid":1000,"ppid":1,"comm":"sh","start_time":1000,"state":"S","filename":"/bin/sh","argv":["sh"],"argv_truncated":false,\#(credentials)}"#,
        ]
        for depth in 1...100 {
            lines.append(#"{"seq":\#(depth + 2),"time":"2026-11-23T20:27:25.\#(String(format: "%09d", depth * 1000))Z","event":"fork","pid":\#(1000 + depth),"ppid":\#(999 + depth),"comm":"sh","start_time":\#(1000 + depth * 1000),\#(credentials)}"#)
        }
        let log = directory.appendingPathComponent("deep.jsonl")
        let report = directory.appendingPathComponent("deep.html")
        try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
        let (status, _, errors) = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["report", log.path, "-o", report.path])
        #expect(status == 0, "\(errors)")
        let dom = try Chromium.dumpDOM("file://\(report.path)#find=1100")
        let row = try #require(Self.rows(dom)["1100"], "the deepest process is drawn")
        let padding = try #require(row.html.components(separatedBy: "padding-left: ").dropFirst().first?.prefix { $0.isNumber })
        // The label column is 430 px wide: the pid and name stay in it.
        #expect(Int(padding) ?? .max <= 250, "the deepest label is indented \(padding) px")
        #expect(row.html.contains("[depth 100]"), "\(row.html.prefix(400))")
    }
}
