import ProcTraceCore
import ProcTraceRules
import ProcTraceTestSupport
import Testing

/// The hunter's fast path (the (image, parent image) filter, the literal
/// prefilter, the pair index, fields computed lazily) against the plain
/// evaluation of every rule on every exec's fields (FieldValues: no filter,
/// no index), on execs made from the rules' own values: each value as the
/// rule wrote it, with its letters' case changed, cut short by a byte, or
/// with a non-ASCII letter in it. Every shared rule, and rules written for
/// the cases a prefilter gets wrong first (case folding of non-ASCII, `re`,
/// `|all`, escaped wildcards, `exists`, `not`, keywords).
@Suite struct SigmaFastPathDifferentialTests {
    private typealias L = LifecycleEvents

    /// Rules that exercise what a literal prefilter must get right.
    static let trickyRules = [
        // Only ASCII letters fold: "ÄRGER" is not "ärger".
        "selection:\n    CommandLine|contains: 'ärger'\ncondition: selection",
        "selection:\n    CommandLine|contains|cased: 'TmP'\ncondition: selection",
        // A regular expression is pruned on the literals SigmaRegexLiterals reads in it, or never.
        "selection:\n    CommandLine|re: 'x[0-9]+y'\ncondition: selection",
        "selection:\n    CommandLine|re: 'wx(?:yz)+'\ncondition: selection",
        "selection:\n    CommandLine|re: '(ab|)cd'\ncondition: selection",
        "selection:\n    CommandLine|re: 'A?B'\ncondition: selection",
        "selection:\n    Image|endswith: '/curl'\n    CommandLine|re|i: 'HTTP'\ncondition: selection",
        // `all`: any one value is needed.
        "selection:\n    CommandLine|contains|all: ['-o', 'http', '/tmp/']\ncondition: selection",
        // Escaped wildcards are literals; bare ones split a value into literals.
        "selection:\n    CommandLine|contains: 'a\\*b'\ncondition: selection",
        "selection:\n    CommandLine: '*ab?d*wx\\?z*'\ncondition: selection",
        "selection:\n    CommandLine|endswith: 'c:\\\\temp'\ncondition: selection",
        "selection:\n    CommandLine: '*'\ncondition: selection",
        // exists and null need no literal.
        "selection:\n    CurrentDirectory|exists: false\ncondition: selection",
        "selection:\n    User: null\n    CommandLine|contains: 'ab'\ncondition: selection",
        // not: true without any of its literals.
        "selection:\n    Image|endswith: '/curl'\nfilter:\n    CommandLine|contains: 'http'\ncondition: not filter",
        "selection:\n    Image|endswith: '/curl'\nfilter:\n    CommandLine|contains: 'http'\ncondition: selection and not filter",
        "sel_a:\n    CommandLine|contains: 'wx'\nsel_b:\n    ParentCommandLine|contains: 'ab'\ncondition: 1 of sel_*",
        "sel_a:\n    CommandLine|contains: 'wx'\nsel_b:\n    ParentImage|contains: 'é'\ncondition: all of sel_*",
        "keywords:\n    - 'ärger'\n    - 'TMP'\ncondition: keywords",
        "selection:\n    - CommandLine|startswith: 'ab'\n    - User|contains: 'root'\ncondition: selection",
    ]

    @Test func theFastPathFindsWhatEvaluatingEveryRuleFinds() throws {
        let shared = try SigmaRuleFiles.load([SharedSigmaRulesTests.directory]).rules
        let tricky = try Self.trickyRules.enumerated().map { try rule(ruleText($1, title: "tricky \($0)")) }
        let rules = shared + tricky
        var random = RuleSampleRandom(seed: 29)
        var execs: [[SigmaField: String]] = []
        for rule in rules {
            for _ in 0..<4 {
                for variant in Variant.allCases { execs.append(Self.sample(rule, variant, &random)) }
            }
        }
        let (events, fields) = Self.events(execs)
        let names: (UInt32) -> [UInt8]? = { uid in uid >= 1000 ? execs[Int(uid) - 1000][.user].map { Array($0.utf8) } : nil }

        let tree = ProcessTree()
        let hunter = SigmaHunter(rules: rules, userName: names)
        // The same with the exec's own fields scanned ahead (hunt's decoding threads).
        let prescanning = SigmaHunter(rules: rules, userName: names)
        var fast: [String] = []
        var prescanned: [String] = []
        var reference: [String] = []
        var notes: [Int32] = []
        for (index, original) in events.enumerated() {
            var event = original
            event.seq = UInt64(index + 1)
            tree.apply(&event)
            hunter.observe(event, in: tree) { fast.append("\($0.seq) \($0.rule.title)") }
            notes.removeAll()
            prescanning.prescanner.prescan(&event, into: &notes)
            notes.withUnsafeBufferPointer { notes in
                prescanning.observe(event, in: tree, prescanned: notes) { prescanned.append("\($0.seq) \($0.rule.title)") }
            }
            guard let values = fields[index] else { continue }
            let source = FieldValues(values)
            for rule in rules where rule.matches(source) { reference.append("\(event.seq) \(rule.title)") }
        }
        // Not vacuous: most rules match something, and far from every exec matches.
        let matchedRules = Set(reference.map { $0.split(separator: " ", maxSplits: 1)[1] })
        #expect(matchedRules.count >= shared.count * 9 / 10 + tricky.count - 2, "\(matchedRules.count) rules matched")
        #expect(hunter.evaluationCount < hunter.execCount * rules.count / 10, "the prefilter prunes")
        #expect(fast.count == reference.count)
        #expect(fast == reference, "\(Set(reference).symmetricDifference(Set(fast)).sorted().prefix(20))")
        #expect(prescanned == reference, "\(Set(reference).symmetricDifference(Set(prescanned)).sorted().prefix(20))")
    }

    enum Variant: CaseIterable {
        case asWritten, caseChanged, cutShort, nonASCII
    }

    /// An exec's fields from the values of `rule`: every search's first or a random alternative,
    /// each item one value (all of them for `|all`), changed as `variant` says.
    static func sample(_ rule: SigmaRule, _ variant: Variant, _ random: inout RuleSampleRandom) -> [SigmaField: String] {
        var bytes: [SigmaField: [UInt8]] = [:]
        func add(_ field: SigmaField, _ value: [UInt8]) {
            if let known = bytes[field] { bytes[field] = known + [32] + value } else { bytes[field] = value }
        }
        for search in rule.searches where random.next() % 4 != 0 {
            switch search {
            case .fields(let alternatives):
                for item in alternatives[Int(random.next() % UInt64(alternatives.count))] {
                    let chosen = item.requiresAll ? item.matchers : [item.matchers[Int(random.next() % UInt64(item.matchers.count))]]
                    for matcher in chosen {
                        guard let value = value(of: matcher, &random) else { continue }
                        add(item.field, value)
                    }
                }
            case .keywords(let items):
                let item = items[Int(random.next() % UInt64(items.count))]
                if let value = value(of: item.matchers[Int(random.next() % UInt64(item.matchers.count))], &random) {
                    add(item.field, value)
                }
            }
        }
        var result: [SigmaField: String] = [:]
        for field in SigmaField.allCases {
            guard let value = bytes[field] else { continue }
            result[field] = String(decoding: changed(value, variant, &random), as: UTF8.self)
        }
        return result
    }

    private static let fillers: [[UInt8]] = ["", "x", " -v ", "/tmp/É/", "Жж", "a*b?c\\"].map { Array($0.utf8) }

    static func value(of matcher: SigmaValueMatcher, _ random: inout RuleSampleRandom) -> [UInt8]? {
        guard case .pattern(let pattern) = matcher else {
            if case .regex(let regex) = matcher { return Array(regex.source.filter { $0.isLetter || $0.isNumber }.utf8) }
            return nil
        }
        func filler() -> [UInt8] { fillers[Int(random.next() % UInt64(fillers.count))] }
        switch pattern.shape {
        case .exact(let literal): return literal
        case .prefix(let literal): return literal + filler()
        case .suffix(let literal): return filler() + literal
        case .infix(let literal): return filler() + literal + filler()
        case .anything: return filler()
        case .general(let elements):
            return elements.flatMap { element -> [UInt8] in
                switch element {
                case .literal(let literal): literal
                case .anyRun: filler()
                case .anyCharacter: random.next() % 2 == 0 ? [UInt8(ascii: "q")] : Array("é".utf8)
                }
            }
        }
    }

    static func changed(_ value: [UInt8], _ variant: Variant, _ random: inout RuleSampleRandom) -> [UInt8] {
        var value = value
        switch variant {
        case .asWritten: break
        case .caseChanged:
            for index in value.indices where random.next() % 2 == 0 {
                let byte = value[index]
                if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { value[index] = byte - 32 }
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { value[index] = byte + 32 }
            }
            // "ä" (c3 a4) to "Ä" (c3 84): a case change only Unicode folds.
            for index in value.indices.dropFirst() where value[index - 1] == 0xc3 && value[index] == 0xa4 { value[index] = 0x84 }
        case .cutShort:
            if !value.isEmpty { value.remove(at: Int(random.next() % UInt64(value.count))) }
        case .nonASCII:
            if let index = value.indices.filter({ value[$0] >= UInt8(ascii: "a") && value[$0] <= UInt8(ascii: "z") })
                .randomElement(using: &random) {
                value.replaceSubrange(index...index, with: Array("á".utf8))
            }
        }
        return value
    }

    /// Records that make each exec have its fields: the parent (image and command line) exec'd
    /// under init, then the child forked from it and exec'd. Returns them with each exec's fields.
    static func events(_ execs: [[SigmaField: String]]) -> ([Event], [[SigmaField: String]?]) {
        var events: [Event] = [L.exists(1, ppid: 0, start: 1, argv: ["init"])]
        events[0].filename = Array("/sbin/init".utf8)
        var fields: [[SigmaField: String]?] = [nil]
        var pid: Int32 = 100
        for (number, values) in execs.enumerated() {
            let parent = pid + 1, child = pid + 2
            pid += 2
            let parentImage = values[.parentImage] ?? "/bin/sh"
            let parentLine = values[.parentCommandLine] ?? "sh"
            events.append(L.fork(parent, ppid: 1, start: UInt64(parent)))
            fields.append(nil)
            events.append(exec(parent, ppid: 1, image: parentImage, line: parentLine, cwd: "/", uid: 0, session: nil))
            fields.append([.image: parentImage, .commandLine: parentLine, .parentImage: "/sbin/init",
                           .parentCommandLine: "init", .currentDirectory: "/",
                           .processId: String(parent), .parentProcessId: "1"])
            events.append(L.fork(child, ppid: parent, start: UInt64(child)))
            fields.append(nil)
            let session = values[.logonId].flatMap { UInt32($0) }
            let image = values[.image] ?? "/usr/bin/true"
            let line = values[.commandLine] ?? "true"
            events.append(exec(child, ppid: parent, image: image, line: line, cwd: values[.currentDirectory],
                               uid: UInt32(1000 + number), session: session))
            var childFields: [SigmaField: String] = [
                .image: image, .commandLine: line, .parentImage: parentImage, .parentCommandLine: parentLine,
                .processId: String(child), .parentProcessId: String(parent),
            ]
            childFields[.currentDirectory] = values[.currentDirectory]
            childFields[.user] = values[.user]
            childFields[.logonId] = session.map { String($0) }
            fields.append(childFields)
            events.append(L.exit(child, ppid: parent, start: UInt64(child)))
            fields.append(nil)
        }
        return (events, fields)
    }

    private static func exec(_ pid: Int32, ppid: Int32, image: String, line: String, cwd: String?,
                             uid: UInt32, session: UInt32?) -> Event {
        // One argument per word: the command line is the arguments joined by one space each, so this is lossless.
        let argv = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var event = L.exec(pid, ppid: ppid, start: UInt64(pid), argv: argv, uid: uid)
        var context = ProcessContext()
        context.exe = Array(image.utf8)
        context.cwd = cwd.map { Array($0.utf8) }
        context.auditSession = session
        event.context = context
        return event
    }
}

/// SplitMix64: the same values on every run.
struct RuleSampleRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var value = state
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}
