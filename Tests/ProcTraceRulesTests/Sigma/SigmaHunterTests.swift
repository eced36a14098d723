import ProcTraceCore
import ProcTraceRules
import ProcTraceTestSupport
import Testing

/// The field mapping over exec records, with the tree rebuilt as the log is read.
@Suite struct SigmaHunterTests {
    private typealias L = LifecycleEvents

    private static func exec(_ pid: Int32, ppid: Int32, start: UInt64, exe: String, argv: [String],
                             cwd: String = "/root", uid: UInt32 = 0, session: UInt32? = 3) -> Event {
        var event = L.exec(pid, ppid: ppid, start: start, argv: argv, uid: uid)
        var context = ProcessContext()
        context.exe = Array(exe.utf8)
        context.cwd = Array(cwd.utf8)
        context.auditSession = session
        event.context = context
        return event
    }

    private static func exists(_ pid: Int32, ppid: Int32, start: UInt64, exe: String, argv: [String]) -> Event {
        var event = L.exists(pid, ppid: ppid, start: start, argv: argv)
        event.filename = Array(exe.utf8)
        var context = ProcessContext()
        context.exe = Array(exe.utf8)
        event.context = context
        return event
    }

    /// Applies each record to a tree, then to the hunter; returns the alerts.
    private static func hunt(_ rules: [SigmaRule], _ events: [Event],
                             userName: ((UInt32) -> [UInt8]?)? = nil) -> [SigmaAlert] {
        let tree = ProcessTree()
        let hunter = SigmaHunter(rules: rules, userName: userName)
        var alerts: [SigmaAlert] = []
        for (index, original) in events.enumerated() {
            var event = original
            event.seq = UInt64(index + 1)
            tree.apply(&event)
            hunter.observe(event, in: tree) { alerts.append($0) }
        }
        return alerts
    }

    private static let parentRule = """
        selection:
            ParentImage|endswith: '/bash'
            ParentCommandLine: 'bash -i'
            Image|endswith: '/curl'
            CommandLine|contains|all: ['-o /tmp/', 'http']
            CurrentDirectory: /ROOT
            LogonId: 3
            ProcessId: 300
            ParentProcessId: 200
        condition: selection
        """

    private static func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test func fieldsComeFromTheExecAndTheParentAtThatMoment() throws {
        let rules = [try rule(ruleText(Self.parentRule))]
        var events = [
            Self.exists(1, ppid: 0, start: 1, exe: "/usr/lib/systemd/systemd", argv: ["/sbin/init"]),
            L.fork(200, ppid: 1, start: 20),
            Self.exec(200, ppid: 1, start: 20, exe: "/usr/bin/bash", argv: ["bash", "-i"]),
            L.fork(300, ppid: 200, start: 30),
            Self.exec(300, ppid: 200, start: 30, exe: "/usr/bin/curl", argv: ["curl", "-o", "/tmp/x", "http://a"]),
        ]
        let alerts = Self.hunt(rules, events)
        try #require(alerts.count == 1)
        let alert = alerts[0]
        #expect(alert.seq == 5 && alert.pid == 300 && alert.ppid == 200 && alert.startTime == 30)
        #expect(Self.text(alert.image) == "/usr/bin/curl")
        #expect(Self.text(alert.commandLine) == "curl -o /tmp/x http://a")
        #expect(alert.ancestry.map(\.pid) == [200, 1])
        #expect(alert.ancestry.map { Self.text($0.image) } == ["/usr/bin/bash", "/usr/lib/systemd/systemd"])
        #expect(alert.ancestry.map { $0.argv?.arguments.map { String(decoding: $0, as: UTF8.self) } } == [["bash", "-i"], ["/sbin/init"]])

        // The parent's arguments at the moment of the exec: a parent that exec'd something else first no longer matches.
        events.insert(Self.exec(200, ppid: 1, start: 20, exe: "/usr/bin/bash", argv: ["bash", "-c", "x"]), at: 4)
        #expect(Self.hunt(rules, events).isEmpty)
        // Every field is needed: another session, another directory, another pid.
        for change in [{ (e: inout Event) in e.context?.auditSession = 4 }, { $0.context?.cwd = Array("/tmp".utf8) },
                       { $0.pid = 301; $0.startTime = 31 }] {
            var changed = Array(events.prefix(4)) + [events[5]]
            change(&changed[4])
            changed[3] = L.fork(changed[4].pid, ppid: 200, start: changed[4].startTime)
            #expect(Self.hunt(rules, changed).isEmpty)
        }
    }

    @Test func aForkedProcessRunsTheImageItInherited() throws {
        // bash forks a subshell (no exec), which forks curl; the parent of curl runs bash, with bash's arguments,
        // even after bash itself has exec'd something else.
        let rules = [try rule(ruleText(Self.parentRule))]
        let alerts = Self.hunt(rules, [
            Self.exists(1, ppid: 0, start: 1, exe: "/usr/lib/systemd/systemd", argv: ["/sbin/init"]),
            Self.exists(100, ppid: 1, start: 10, exe: "/usr/bin/bash", argv: ["bash", "-i"]),
            L.fork(200, ppid: 100, start: 20),
            Self.exec(100, ppid: 1, start: 10, exe: "/usr/bin/vim", argv: ["vim"]),
            L.fork(300, ppid: 200, start: 30),
            Self.exec(300, ppid: 200, start: 30, exe: "/usr/bin/curl", argv: ["curl", "-o", "/tmp/x", "http://a"]),
        ])
        try #require(alerts.count == 1)
        #expect(alerts[0].ancestry.map(\.pid) == [200, 100, 1])
        #expect(alerts[0].ancestry.map { Self.text($0.image) } == ["/usr/bin/bash", "/usr/bin/vim", "/usr/lib/systemd/systemd"])
    }

    @Test func execsCyclingThroughMorePairsThanTheEvaluatorKeepsGetEachPairsRules() throws {
        // 20 (image, parent image) pairs, the pair changing at every exec (more than the evaluator's recent
        // pairs): each exec is judged by its own pair's rules, never by those of a pair with the same image.
        let tools = 0..<10
        let rules = try tools.map {
            try rule(ruleText("selection:\n    Image|endswith: '/tool\($0)'\n    ParentImage|endswith: '/make'\ncondition: selection",
                              title: "tool\($0)"))
        }
        var events = [Self.exists(1, ppid: 0, start: 1, exe: "/sbin/init", argv: ["init"]),
                      Self.exists(10, ppid: 1, start: 10, exe: "/usr/bin/bash", argv: ["bash"]),
                      Self.exists(11, ppid: 1, start: 11, exe: "/usr/bin/make", argv: ["make"])]
        var expected: [String] = []
        var pid: Int32 = 100
        for _ in 0..<3 {
            for tool in tools {
                for parent: Int32 in [10, 11] {
                    pid += 1
                    events.append(L.fork(pid, ppid: parent, start: UInt64(pid)))
                    events.append(Self.exec(pid, ppid: parent, start: UInt64(pid), exe: "/usr/bin/tool\(tool)", argv: ["tool"]))
                    if parent == 11 { expected.append("\(pid) tool\(tool)") }
                }
            }
        }
        #expect(Self.hunt(rules, events).map { "\($0.pid) \($0.rule.title)" } == expected)
    }

    @Test func aParentBeforeTheRecordingIsOnlyAPid() throws {
        let rules = [try rule(ruleText("selection:\n    Image|endswith: '/id'\ncondition: selection"))]
        let alerts = Self.hunt(rules, [
            L.fork(300, ppid: 77, start: 30),
            Self.exec(300, ppid: 77, start: 30, exe: "/usr/bin/id", argv: ["id"]),
        ])
        try #require(alerts.count == 1)
        #expect(alerts[0].ancestry.count == 1)
        #expect(alerts[0].ancestry[0].pid == 77 && !alerts[0].ancestry[0].known && alerts[0].ancestry[0].image == nil)
        // Parent fields are absent: a rule on them does not match, its negation does.
        let parentRules = [try rule(ruleText("selection:\n    ParentImage|contains: '/'\ncondition: selection")),
                           try rule(ruleText("selection:\n    ParentImage|contains: '/'\ncondition: not selection"))]
        let parentAlerts = Self.hunt(parentRules, [
            L.fork(300, ppid: 77, start: 30),
            Self.exec(300, ppid: 77, start: 30, exe: "/usr/bin/id", argv: ["id"]),
        ])
        #expect(parentAlerts.map(\.rule.title) == ["Test"] && parentAlerts[0].rule === parentRules[1])
    }

    @Test func userIsTheEffectiveUsersNameWhenNamesAreKnown() throws {
        let rules = [try rule(ruleText("selection:\n    User: root\ncondition: selection"))]
        let events = [Self.exec(300, ppid: 1, start: 30, exe: "/usr/bin/id", argv: ["id"], uid: 0),
                      Self.exec(301, ppid: 1, start: 31, exe: "/usr/bin/id", argv: ["id"], uid: 1000)]
        let names: (UInt32) -> [UInt8]? = { $0 == 0 ? Array("root".utf8) : Array("alice".utf8) }
        #expect(Self.hunt(rules, events, userName: names).map(\.pid) == [300])
        #expect(Self.hunt(rules, events).isEmpty, "without names, User is absent")
    }

    @Test func theImageFilterNeverHidesAMatch() throws {
        // Every shared rule, on execs built from the rule's own values: the filtered hunt finds what
        // evaluating every rule on every exec finds.
        let loaded = try ProcTraceRules.SigmaRuleFiles.load([SharedSigmaRulesTests.directory])
        let images = ["/usr/bin/curl", "/usr/bin/wget", "/bin/bash", "/usr/bin/nc", "/usr/bin/python3", "/usr/bin/base64",
                      "/usr/bin/chmod", "/usr/sbin/useradd", "/usr/bin/find", "/usr/bin/crontab", "/usr/bin/git", "/x"]
        let lines = ["-e /bin/sh", "http://x -O /tmp/a", "clone exploit", "+x /tmp/", "-d", "--decode", "-R", "/etc/shadow",
                     "-i 1.2.3.4", "pty.spawn('/bin/sh')", ""]
        var events: [Event] = [Self.exists(1, ppid: 0, start: 1, exe: "/sbin/init", argv: ["init"])]
        var pid: Int32 = 100
        for image in images {
            for line in lines {
                pid += 1
                events.append(L.fork(pid, ppid: 1, start: UInt64(pid)))
                events.append(Self.exec(pid, ppid: 1, start: UInt64(pid), exe: image,
                                        argv: [String(image.split(separator: "/").last!)] + line.split(separator: " ").map(String.init)))
            }
        }
        let filtered = Self.hunt(loaded.rules, events).map { "\($0.seq) \($0.rule.id)" }
        // The reference: every rule on every exec's fields, no filter.
        var expected: [String] = []
        let tree = ProcessTree()
        for (index, original) in events.enumerated() {
            var event = original
            event.seq = UInt64(index + 1)
            tree.apply(&event)
            guard event.kind == .exec else { continue }
            let fields = FieldValues([
                .image: Self.text(event.context?.exe)!, .commandLine: Self.text(event.argv!.bytes.dropLast().map { $0 == 0 ? 32 : $0 })!,
                .parentImage: "/sbin/init", .parentCommandLine: "init", .currentDirectory: "/root", .logonId: "3",
                .processId: String(event.pid), .parentProcessId: "1",
            ])
            for rule in loaded.rules where rule.matches(fields) { expected.append("\(event.seq) \(rule.id)") }
        }
        #expect(!expected.isEmpty)
        #expect(filtered == expected)
    }

    @Test func aFieldScannedAgainIsReadAgainWhenItsBytesChangedButNotItsLength() throws {
        // The literal filter takes a field's literals from its last scan when the bytes are the same.
        let rules = try [
            rule(ruleText("selection:\n    ParentCommandLine|contains: 'xyz'\ncondition: selection", title: "parent")),
            rule(ruleText("selection:\n    CurrentDirectory|contains: '/abc'\ncondition: selection", title: "directory")),
        ]
        // Two parents whose command lines and directories differ only in their bytes, execs alternating between them.
        var events: [Event] = [
            Self.exists(10, ppid: 1, start: 10, exe: "/bin/sh", argv: ["sh", "xyz"]),
            Self.exists(20, ppid: 1, start: 20, exe: "/bin/sh", argv: ["sh", "xya"]),
        ]
        var expected: [String] = []
        for index in 0..<12 {
            let pid = Int32(100 + index)
            let parent: Int32 = index % 3 == 0 ? 20 : 10
            let directory = index % 4 < 2 ? "/abc" : "/abd"
            events.append(L.fork(pid, ppid: parent, start: UInt64(pid)))
            events.append(Self.exec(pid, ppid: parent, start: UInt64(pid), exe: "/bin/true", argv: ["true"], cwd: directory))
            let seq = events.count
            if parent == 10 { expected.append("\(seq) parent") }
            if directory == "/abc" { expected.append("\(seq) directory") }
        }
        let alerts = Self.hunt(rules, events).map { "\($0.seq) \($0.rule.title)" }
        #expect(alerts == expected)
    }

    @Test func aPrescanNotesEachLiteralOnceHoweverOftenTheCommandLineRepeatsIt() throws {
        // What the decoding threads note comes with the record: a crafted command line must not make it grow.
        let hunter = SigmaHunter(rules: [
            try rule(ruleText("selection:\n    CommandLine|contains: 'ab'\ncondition: selection", title: "ab")),
            try rule(ruleText("selection:\n    Image|endswith: '/ab'\ncondition: selection", title: "image")),
        ])
        var event = Self.exec(7, ppid: 1, start: 7, exe: "/bin/ab", argv: ["ab", String(repeating: "ab", count: 10_000), "ab"])
        var notes: [Int32] = []
        hunter.prescanner.prescan(&event, into: &notes)
        #expect(notes.count == 2, "\(notes.count) numbers noted")
        #expect(Set(notes).count == 2)
    }
}
