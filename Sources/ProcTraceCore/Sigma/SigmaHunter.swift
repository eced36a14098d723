/// Evaluates Sigma rules on the `exec` records of a stream, with the process
/// tree the stream rebuilds (LogReplayer, the recorder's tree): each exec is
/// a process creation, its parent fields read from the tree at that moment.
///
/// Feed it every record, in order, after the tree has applied it
/// (`observe`): forks teach it which image a process runs until it execs
/// (the one it inherited), execs are evaluated (SigmaEvaluator).
public final class SigmaHunter {
    public var rules: [SigmaRule] { evaluator.rules }
    /// The user name of a uid (`User`); nil makes `User` absent. Set by the
    /// caller from what it knows about the recording's host.
    @exclusivity(unchecked) public var userName: ((UInt32) -> [UInt8]?)?
    /// Execs evaluated, and rule evaluations done on them (after the image filter).
    public var execCount: Int { evaluator.execCount }
    public var evaluationCount: Int { evaluator.evaluationCount }

    private let evaluator: SigmaEvaluator

    public init(rules: [SigmaRule], userName: ((UInt32) -> [UInt8]?)? = nil) {
        evaluator = SigmaEvaluator(rules: rules)
        self.userName = userName
    }

    /// Whether `observe` does anything with records of this kind (exec and fork): a caller may skip the others.
    public static func observes(_ kind: EventKind) -> Bool { kind == .exec || kind == .fork }

    /// The scan of an exec's own fields, to run ahead where records are decoded (`observe`'s `prescanned`).
    public var prescanner: SigmaLiteralPrescanner { evaluator.prescanner }

    /// Takes `event` (already applied to `tree`); calls `report` for each rule an exec matches, in rule order.
    /// `prescanned`: what `prescanner` found in this record, if it ran.
    public func observe(_ event: Event, in tree: ProcessTree, prescanned: UnsafeBufferPointer<Int32>? = nil,
                        report: (SigmaAlert) throws -> Void) rethrows {
        switch event.kind {
        case .exec: break
        case .fork: return inherit(event, in: tree)
        default: return
        }
        let node = tree.node(event.processID)
        node?.inheritedImage = nil
        // The closure takes the few fields an alert names, not the record (capturing it copied it).
        let stamp = SigmaAlert.Stamp(event)
        try evaluator.evaluate(event, parent: node?.parent.flatMap(image(of:)), userName: userName,
                               prescanned: prescanned) { rule in
            try report(SigmaAlert(rule: rule, stamp: stamp, image: evaluator.fields.image,
                                  commandLine: evaluator.fields.commandLine,
                                  ancestry: ancestry(of: node, ppid: stamp.ppid)))
        }
    }

    /// A fork: the child runs its parent's image until it execs.
    private func inherit(_ event: Event, in tree: ProcessTree) {
        guard let node = tree.node(event.processID), let parent = node.parent, let image = image(of: parent) else { return }
        node.inheritedImage = image
    }

    /// Takes `event` (already applied to `tree`), as `observe` does, and
    /// returns what evaluating it needs when it is an exec: its parent's image
    /// now, and with `ancestry` every ancestor's, so the evaluation can run
    /// later, elsewhere (the recorder's rule stage), on the tree of this moment.
    public func prepare(_ event: Event, in tree: ProcessTree, ancestry withAncestry: Bool) -> SigmaExec? {
        switch event.kind {
        case .fork:
            inherit(event, in: tree)
            return nil
        case .exec:
            let node = tree.node(event.processID)
            node?.inheritedImage = nil
            return SigmaExec(event: event, parent: node?.parent.flatMap(image(of:)),
                             ancestry: withAncestry ? ancestry(of: node, ppid: event.ppid) : [])
        default:
            return nil
        }
    }

    /// What `node` runs: its own exec's (or snapshot's) image, else the one it inherited at its fork.
    func image(of node: ProcessNode) -> SigmaImage? {
        if node.filename != nil || node.context?.exe != nil {
            return SigmaImage(image: node.context?.exe ?? node.filename, argv: node.argv)
        }
        return node.inheritedImage
    }

    /// The parent, its parent, … up to the first process whose parent is not in the tree (init, or a
    /// process that started before the recording and was never seen), then that parent's pid alone.
    func ancestry(of node: ProcessNode?, ppid: Int32) -> [SigmaAncestor] {
        var result: [SigmaAncestor] = []
        var current = node?.parent
        var lastPpid = ppid
        while let ancestor = current, result.count < 1_024 {
            let image = image(of: ancestor)
            result.append(SigmaAncestor(pid: ancestor.pid, startTime: ancestor.startTime, image: image?.image,
                                        argv: image?.argv, known: true))
            lastPpid = ancestor.ppid
            current = ancestor.parent
        }
        if lastPpid > 0 && (result.last?.pid ?? 0) != 1 {
            result.append(SigmaAncestor(pid: lastPpid, startTime: 0, image: nil, argv: nil, known: false))
        }
        return result
    }
}

/// One exec as the rules see it: the record, and its parent's image and
/// its ancestry as the tree held them at the exec.
public struct SigmaExec: Sendable {
    public var event: Event
    public var parent: SigmaImage?
    /// Parent first (empty unless asked for).
    public var ancestry: [SigmaAncestor]
}

/// Evaluates rules on execs. Cost: rules are first evaluated on the image
/// and the parent's image alone (three-valued: the other fields unknown),
/// once per distinct pair, and only the rules that could still match are
/// evaluated on each exec with that pair; of those, a rule whose needed
/// literals the exec's fields do not hold (SigmaLiteralFilter: one pass over
/// each field for every rule's literals) is not evaluated either. Most execs
/// are evaluated against none or a handful of rules however many are loaded.
/// Not thread-safe: one per thread, so what each exec touches skips the
/// run-time exclusivity checks (a runtime call each).
public final class SigmaEvaluator {
    public let rules: [SigmaRule]
    @exclusivity(unchecked) public private(set) var execCount = 0
    @exclusivity(unchecked) public private(set) var evaluationCount = 0

    @exclusivity(unchecked) private(set) var fields = SigmaExecFields()
    @exclusivity(unchecked) private var imageOnly = SigmaImageOnlyFields()
    /// Rules still possible for (image, parent image): the key is both, each with a presence byte.
    @exclusivity(unchecked) private var candidates: [[UInt8]: SigmaCandidates] = [:]
    @exclusivity(unchecked) private var key: [UInt8] = []
    /// The last pairs seen and their rules, compared before any hashing: execs mostly cycle through a
    /// few pairs (a build's cc, sed and git under one make), and hashing a key hashes it byte by byte.
    @exclusivity(unchecked) private var recent: [SigmaRecentPair] = []
    @exclusivity(unchecked) private var recentNext = 0
    private static let recentLimit = 8
    private static let candidateCacheLimit = 16_384
    /// Then the literals each rule needs, all looked for in one pass over each field.
    private let literalFilter: SigmaLiteralFilter

    public init(rules: [SigmaRule]) {
        self.rules = rules
        literalFilter = SigmaLiteralFilter(rules: rules)
    }

    /// The scan of an exec's own fields, to run ahead on other threads (`evaluate`'s `prescanned`).
    public var prescanner: SigmaLiteralPrescanner { literalFilter.prescanner }

    /// Calls `matched` with each rule `exec` matches, in rule order.
    public func evaluate(_ exec: SigmaExec, userName: ((UInt32) -> [UInt8]?)?,
                         matched: (SigmaRule) throws -> Void) rethrows {
        try evaluate(exec.event, parent: exec.parent, userName: userName, matched: matched)
    }

    /// The same on the record itself (no copy of it into a SigmaExec). `prescanned`: what `prescanner`
    /// found in this record, if it ran.
    public func evaluate(_ event: borrowing Event, parent: SigmaImage?, userName: ((UInt32) -> [UInt8]?)?,
                         prescanned: UnsafeBufferPointer<Int32>? = nil, matched: (SigmaRule) throws -> Void) rethrows {
        execCount += 1
        fields.reset(event: event, parent: parent, parentPid: event.ppid, userName: userName)
        let possible = candidates(image: fields.image, parentImage: fields.parentImage)
        literalFilter.scan(possible.guardFields, fields, prescanned: prescanned)
        for index in possible.indices where literalFilter.mayMatch(index) {
            evaluationCount += 1
            let rule = rules[index]
            if rule.matches(fields) { try matched(rule) }
        }
        fields.release()
    }

    /// The rules still possible for (image, parent image): a recent pair's again when it is one of
    /// them (consecutive execs mostly are), else from the cache, else judged now.
    private func candidates(image: [UInt8]?, parentImage: [UInt8]?) -> SigmaCandidates {
        for pair in recent where pair.image == image && pair.parentImage == parentImage { return pair.candidates }
        key.removeAll(keepingCapacity: true)
        SigmaEvaluator.append(image, to: &key)
        SigmaEvaluator.append(parentImage, to: &key)
        let possible: SigmaCandidates
        if let known = candidates[key] {
            possible = known
        } else {
            imageOnly.set(image: image, parentImage: parentImage)
            let indices = rules.indices.filter { rules[$0].evaluate(imageOnly) != .no }
            possible = SigmaCandidates(indices: indices, guardFields: literalFilter.fieldsGuarding(indices))
            if candidates.count >= Self.candidateCacheLimit { candidates.removeAll(keepingCapacity: true) }
            candidates[key] = possible
        }
        // Copies: holding the record's own buffers would keep the reader from reusing them.
        let pair = SigmaRecentPair(image: image.map { $0.withUnsafeBufferPointer { Array($0) } },
                                   parentImage: parentImage.map { $0.withUnsafeBufferPointer { Array($0) } },
                                   candidates: possible)
        if recent.count < Self.recentLimit { recent.append(pair) } else { recent[recentNext] = pair }
        recentNext = (recentNext + 1) % Self.recentLimit
        return possible
    }

    /// A presence byte, then the length and the bytes: two values never collide.
    private static func append(_ value: [UInt8]?, to key: inout [UInt8]) {
        guard let value else { return key.append(0) }
        key.append(1)
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: value.count)) { key.append(contentsOf: $0) }
        key.append(contentsOf: value)
    }
}

/// An (image, parent image) pair the evaluator saw lately, and the rules still possible for it.
struct SigmaRecentPair {
    var image: [UInt8]?
    var parentImage: [UInt8]?
    var candidates: SigmaCandidates
}

/// The rules still possible for an (image, parent image) pair, and the fields their literal guards look in.
struct SigmaCandidates {
    var indices: [Int]
    var guardFields: UInt32
}

/// The program a process runs and its arguments.
public struct SigmaImage: Sendable {
    public var image: [UInt8]?
    public var argv: ArgumentVector?
}

/// One process above the one that matched.
public struct SigmaAncestor: Sendable {
    public var pid: Int32
    public var startTime: UInt64
    /// What it ran: its exe (or, without one, the filename its exec named); nil when not known.
    public var image: [UInt8]?
    public var argv: ArgumentVector?
    /// false: the recording never showed this process (only its pid, as the last parent named).
    public var known: Bool

    public init(pid: Int32, startTime: UInt64, image: [UInt8]?, argv: ArgumentVector?, known: Bool) {
        self.pid = pid
        self.startTime = startTime
        self.image = image
        self.argv = argv
        self.known = known
    }
}

/// A rule matched an exec.
public struct SigmaAlert: Sendable {
    public let rule: SigmaRule
    public let seq: UInt64
    public let time: Int64
    public let pid: Int32
    public let ppid: Int32
    public let startTime: UInt64
    public let image: [UInt8]?
    public let commandLine: [UInt8]?
    /// Parent first.
    public let ancestry: [SigmaAncestor]

    /// What an alert names of the exec's record.
    struct Stamp {
        let seq: UInt64
        let time: Int64
        let pid: Int32
        let ppid: Int32
        let startTime: UInt64

        init(_ event: borrowing Event) {
            seq = event.seq
            time = event.time
            pid = event.pid
            ppid = event.ppid
            startTime = event.startTime
        }
    }

    init(rule: SigmaRule, stamp: Stamp, image: [UInt8]?, commandLine: [UInt8]?, ancestry: [SigmaAncestor]) {
        self.rule = rule
        seq = stamp.seq
        time = stamp.time
        pid = stamp.pid
        ppid = stamp.ppid
        startTime = stamp.startTime
        self.image = image
        self.commandLine = commandLine
        self.ancestry = ancestry
    }
}

/// The Sigma fields of one exec (docs/hunting.md, "Fields"), each computed
/// when a rule first reads it.
final class SigmaExecFields: SigmaFieldSource {
    @exclusivity(unchecked) private var pid: Int32 = 0
    @exclusivity(unchecked) private var argv: ArgumentVector?
    /// The record's context behind its reference (copying the struct out would retain each of its fields).
    @exclusivity(unchecked) private var context: ProcessContextStorage?
    @exclusivity(unchecked) private var euid: UInt32?
    @exclusivity(unchecked) private var parent: SigmaImage?
    @exclusivity(unchecked) private var parentPid: Int32 = 0
    @exclusivity(unchecked) private var userName: ((UInt32) -> [UInt8]?)?
    @exclusivity(unchecked) private var raw = [SigmaLookup?](repeating: nil, count: SigmaField.allCases.count)
    @exclusivity(unchecked) private var folded = [SigmaLookup?](repeating: nil, count: SigmaField.allCases.count)
    /// Which of `raw` (bit = field) and `folded` (bit 16 + field) this exec has set: only those are cleared.
    @exclusivity(unchecked) private var computed: UInt32 = 0
    @exclusivity(unchecked) private(set) var image: [UInt8]?
    /// Pair indexes of the folded fields, and the event each was built for.
    @exclusivity(unchecked) private var indexes = SigmaField.allCases.map { _ in SigmaTextIndex() }
    @exclusivity(unchecked) private var indexedFor = [Int](repeating: 0, count: SigmaField.allCases.count)
    @exclusivity(unchecked) private var generation = 0
    @exclusivity(unchecked) private var joinBuffers = [[UInt8]](repeating: [], count: SigmaField.allCases.count)
    @exclusivity(unchecked) private var foldBuffers = [[UInt8]](repeating: [], count: SigmaField.allCases.count)

    var parentImage: [UInt8]? { parent?.image }

    func reset(event: borrowing Event, parent: SigmaImage?, parentPid: Int32, userName: ((UInt32) -> [UInt8]?)?) {
        pid = event.pid
        argv = event.argv
        context = event.contextStorage
        euid = event.credentials?.euid
        self.parent = parent
        self.parentPid = parentPid
        self.userName = userName
        clearComputed()
        generation += 1
        image = context?.value.exe ?? event.filename
    }

    func foldedIndex(_ field: SigmaField) -> SigmaTextIndex? {
        let index = indexes[field.rawValue]
        if indexedFor[field.rawValue] != generation {
            guard case .value(let text) = lookUp(field, folded: true) else { return nil }
            index.index(text)
            indexedFor[field.rawValue] = generation
        }
        return index
    }

    var commandLine: [UInt8]? {
        if case .value(let text) = lookUp(.commandLine, folded: false) { return text }
        return nil
    }

    func lookUp(_ field: SigmaField, folded wantsFolded: Bool) -> SigmaLookup {
        if wantsFolded, let known = folded[field.rawValue] { return known }
        let value: SigmaLookup
        if let known = raw[field.rawValue] {
            value = known
        } else {
            value = compute(field).map { .value($0) } ?? .absent
            raw[field.rawValue] = value
            computed |= 1 << UInt32(field.rawValue)
        }
        guard wantsFolded else { return value }
        let result: SigmaLookup
        if case .value(let text) = value { result = .value(foldedText(text, field)) } else { result = value }
        folded[field.rawValue] = result
        computed |= 1 << UInt32(16 + field.rawValue)
        return result
    }

    /// The argument vector `field` joins (CommandLine, ParentCommandLine), nil for other fields or none.
    func argumentVector(of field: SigmaField) -> ArgumentVector? {
        switch field {
        case .commandLine: argv
        case .parentCommandLine: parent?.argv
        default: nil
        }
    }

    /// Drops what the exec's record holds, so the reader can reuse its buffers (RecycledBuffers).
    func release() {
        argv = nil
        context = nil
        parent = nil
        image = nil
        clearComputed()
    }

    private func clearComputed() {
        while computed != 0 {
            let bit = computed.trailingZeroBitCount
            computed &= computed &- 1
            if bit < 16 { raw[bit] = nil } else { folded[bit - 16] = nil }
        }
    }

    private func compute(_ field: SigmaField) -> [UInt8]? {
        switch field {
        case .image: return image
        case .commandLine: return argv.map { joined($0, field) }
        case .parentImage: return parent?.image
        case .parentCommandLine: return parent?.argv.map { joined($0, field) }
        case .currentDirectory: return context?.value.cwd
        case .user: return euid.flatMap { userName?($0) }
        case .logonId: return context?.value.auditSession.map { Array(String($0).utf8) }
        case .processId: return Array(String(pid).utf8)
        case .parentProcessId: return parentPid > 0 ? Array(String(parentPid).utf8) : nil
        }
    }

    /// The command line in `field`'s buffer, reused from exec to exec (free again once `raw` let go of it).
    private func joined(_ argv: ArgumentVector, _ field: SigmaField) -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &joinBuffers[field.rawValue])
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: argv.bytes)
        if buffer.last == 0 { buffer.removeLast() }
        buffer.withUnsafeMutableBufferPointer { bytes in
            for index in bytes.indices where bytes[index] == 0 { bytes[index] = UInt8(ascii: " ") }
        }
        joinBuffers[field.rawValue] = buffer
        return buffer
    }

    /// `text` folded: itself when it has no capital, else in `field`'s reused buffer.
    private func foldedText(_ text: [UInt8], _ field: SigmaField) -> [UInt8] {
        guard text.contains(where: { $0 &- UInt8(ascii: "A") < 26 }) else { return text }
        var buffer: [UInt8] = []
        swap(&buffer, &foldBuffers[field.rawValue])
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: text)
        buffer.withUnsafeMutableBufferPointer { bytes in
            for index in bytes.indices { bytes[index] = SigmaText.lowercased(bytes[index]) }
        }
        foldBuffers[field.rawValue] = buffer
        return buffer
    }

    /// The arguments joined by one space each, as the kernel passed them.
    static func commandLine(_ argv: ArgumentVector) -> [UInt8] {
        var bytes = argv.bytes
        if bytes.last == 0 { bytes.removeLast() }
        for index in bytes.indices where bytes[index] == 0 { bytes[index] = UInt8(ascii: " ") }
        return bytes
    }
}

/// The candidate filter's view: the image and the parent's image known, every other field unknown.
final class SigmaImageOnlyFields: SigmaFieldSource {
    private var image: SigmaLookup = .absent
    private var foldedImage: SigmaLookup = .absent
    private var parentImage: SigmaLookup = .absent
    private var foldedParentImage: SigmaLookup = .absent

    func set(image: [UInt8]?, parentImage parent: [UInt8]?) {
        self.image = image.map { .value($0) } ?? .absent
        foldedImage = image.map { .value(SigmaText.folded($0)) } ?? .absent
        parentImage = parent.map { .value($0) } ?? .absent
        foldedParentImage = parent.map { .value(SigmaText.folded($0)) } ?? .absent
    }

    func lookUp(_ field: SigmaField, folded: Bool) -> SigmaLookup {
        switch field {
        case .image: folded ? foldedImage : image
        case .parentImage: folded ? foldedParentImage : parentImage
        default: .unknown
        }
    }
}
