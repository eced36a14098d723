import CProcTraceStandardC

/// Rules an exec cannot match because it holds none of their guard's
/// literals (SigmaLiteralGuard). Each field some candidate's guard reads is
/// scanned once per exec for every rule's literals at once
/// (SigmaLiteralScanner); each literal found unlocks the rules it guards, and
/// a candidate is then one test: unguarded, or unlocked by this exec.
/// A field that holds the same bytes as at its last scan is not scanned
/// again: the literals found then are taken (SigmaScanMemo).
/// Not thread-safe: one per evaluator.
final class SigmaLiteralFilter {
    /// Per rule: whether it has a guard (a rule without one is always a candidate).
    private let guarded: [Bool]
    /// Per rule: the fields its guard's literals are looked for in (bit = SigmaField.rawValue).
    private let guardFields: [UInt32]
    /// Literal n unlocks rules unlocks[unlockStart[n] ..< unlockStart[n + 1]].
    private let unlockStart: [Int32]
    private let unlocks: [Int32]
    /// Per field: the scanner of the literals guards look for in it (nil: none).
    private let scanners: [SigmaLiteralScanner?]
    /// Per field: the first number of its literals (numbers are global over fields).
    private let firstNumber: [Int32]
    /// The same scan of an exec's own fields, for other threads to run ahead.
    let prescanner: SigmaLiteralPrescanner
    /// The exec a rule was last unlocked for (a literal is reported once a field, and fields' numbers
    /// differ, so none is unlocked twice an exec). A buffer of its own, not an array: an array written
    /// in place is checked for a second owner at each access.
    private let unlockedIn: UnsafeMutableBufferPointer<UInt32>
    @exclusivity(unchecked) private var generation: UInt32 = 1
    /// Per field: its bytes at its last scan, and the literals found in them. Not objects: each would be
    /// retained and released at every field scanned, which cost what the memo saved.
    private let memos: UnsafeMutableBufferPointer<SigmaScanMemo>

    init(rules: [SigmaRule]) {
        var literals = [[[UInt8]]](repeating: [], count: SigmaField.allCases.count)
        var numbers = [[[UInt8]: Int]](repeating: [:], count: SigmaField.allCases.count)
        let ruleNeedles = rules.map { SigmaLiteralGuard.of($0)?.needles }
        for needles in ruleNeedles {
            for needle in needles ?? [] where numbers[needle.field.rawValue][needle.literal] == nil {
                numbers[needle.field.rawValue][needle.literal] = literals[needle.field.rawValue].count
                literals[needle.field.rawValue].append(needle.literal)
            }
        }
        let scanners = literals.map { $0.isEmpty ? nil : SigmaLiteralScanner($0) }
        var first: [Int32] = []
        var total: Int32 = 0
        for field in SigmaField.allCases {
            first.append(total)
            total += Int32(literals[field.rawValue].count)
        }
        var rulesOf = [[Int32]](repeating: [], count: Int(total))
        var guarded: [Bool] = []
        var guardFields: [UInt32] = []
        for (rule, needles) in ruleNeedles.enumerated() {
            guard let needles else {
                guarded.append(false)
                guardFields.append(0)
                continue
            }
            guarded.append(true)
            guardFields.append(needles.reduce(0) { $0 | 1 << UInt32($1.field.rawValue) })
            for needle in needles {
                rulesOf[Int(first[needle.field.rawValue]) + numbers[needle.field.rawValue][needle.literal]!].append(Int32(rule))
            }
        }
        var starts: [Int32] = [0]
        for rules in rulesOf { starts.append(starts.last! + Int32(rules.count)) }
        unlockStart = starts
        unlocks = rulesOf.flatMap { $0 }
        self.guarded = guarded
        self.guardFields = guardFields
        firstNumber = first
        self.scanners = scanners
        prescanner = SigmaLiteralPrescanner(scanners: scanners, firstNumber: first)
        memos = .allocate(capacity: SigmaField.allCases.count)
        _ = memos.initialize(from: literals.map { SigmaScanMemo(literalCount: $0.count) })
        unlockedIn = .allocate(capacity: rules.count)
        unlockedIn.initialize(repeating: 0)
    }

    deinit {
        for index in memos.indices { memos[index].deallocate() }
        memos.deallocate()
        unlockedIn.deallocate()
    }

    /// Rules with a guard (for figures and tests).
    var guardedRuleCount: Int { guarded.filter { $0 }.count }

    /// The fields the guards of `rules` (indices) look in: what `scan` must read for them.
    func fieldsGuarding(_ rules: [Int]) -> UInt32 {
        rules.reduce(0) { $0 | guardFields[$1] }
    }

    /// A new exec: the fields in `fieldMask` (fieldsGuarding) scanned, and each rule their literals guard
    /// unlocked. `prescanned`: what the prescanner found in this exec, whose fields are then not scanned.
    func scan(_ fieldMask: UInt32, _ fields: SigmaExecFields, prescanned: UnsafeBufferPointer<Int32>? = nil) {
        generation &+= 1
        if generation == 0 {
            for index in unlockedIn.indices { unlockedIn[index] = 0 }
            generation = 1
        }
        var mask = fieldMask
        if let prescanned {
            for number in prescanned { found(Int(number)) }
            mask &= ~SigmaLiteralPrescanner.fields
        }
        while mask != 0 {
            let field = mask.trailingZeroBitCount
            mask &= mask &- 1
            scan(field, fields)
        }
    }

    /// false when the exec last scanned cannot match rule `index`.
    @inline(__always)
    func mayMatch(_ index: Int) -> Bool {
        !guarded[index] || unlockedIn[index] == generation
    }

    /// Literal `number` is in the exec: the rules it guards are unlocked.
    private func found(_ number: Int) {
        for position in Int(unlockStart[number])..<Int(unlockStart[number &+ 1]) {
            unlockedIn[Int(unlocks[position])] = generation
        }
    }

    private func scan(_ field: Int, _ fields: SigmaExecFields) {
        guard let scanner = scanners[field] else { return }
        let tables = scanner.tables
        let first = Int(firstNumber[field])
        let generation = generation
        let unlockedIn = unlockedIn
        let memo = memos.baseAddress! + field
        func scan(_ bytes: UnsafeRawBufferPointer) {
            unlockStart.withUnsafeBufferPointer { unlockStart in
                unlocks.withUnsafeBufferPointer { unlocks in
                    func unlock(_ number: Int) {
                        for position in Int(unlockStart[number])..<Int(unlockStart[number &+ 1]) {
                            unlockedIn[Int(unlocks[position])] = generation
                        }
                    }
                    if memo.pointee.holds(bytes) {
                        for index in 0..<memo.pointee.foundCount { unlock(Int(memo.pointee.found[index])) }
                        return
                    }
                    memo.pointee.start(bytes)
                    tables.scan(bytes) { found in
                        let number = first &+ found
                        memo.pointee.add(found: number)
                        unlock(number)
                    }
                }
            }
        }
        // A command line is scanned in its argument vector (no joining): the NULs read as spaces, the
        // last one too, which can only find a literal ending in a space that is not there: an evaluation more.
        let sigmaField = SigmaField(rawValue: field)!
        if scanner.readsArgumentVectors, let argv = fields.argumentVector(of: sigmaField) {
            argv.bytes.withUnsafeBytes(scan)
            return
        }
        guard case .value(let text) = fields.lookUp(sigmaField, folded: false) else { return }
        text.withUnsafeBytes(scan)
    }
}

/// A field's bytes at its last scan and the literals (global numbers) found
/// in them, each once: execs in a row mostly share their parent and their
/// directory, and comparing bytes is cheaper than the scan's lookup a byte.
/// A text longer than `longest` is not kept (a crafted 64 MiB command line
/// would stay in memory for the rest of the read). Its buffers are its
/// filter's to free (`deallocate`).
struct SigmaScanMemo {
    static let longest = 4_096
    private var text: UnsafeMutableRawBufferPointer
    /// -1: nothing scanned yet.
    private var textCount = -1
    /// Room for each of the field's literals once (the scanner reports each once).
    private(set) var found: UnsafeMutablePointer<Int32>
    private(set) var foundCount = 0
    private let capacity: Int

    init(literalCount: Int) {
        text = .allocate(byteCount: 0, alignment: 1)
        found = .allocate(capacity: literalCount)
        capacity = literalCount
    }

    func holds(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard textCount == bytes.count else { return false }
        return bytes.isEmpty || proctrace_bytes_equal(text.baseAddress!, bytes.baseAddress!, bytes.count) != 0
    }

    /// A scan of `bytes` begins: what it finds is then added.
    mutating func start(_ bytes: UnsafeRawBufferPointer) {
        foundCount = 0
        guard bytes.count <= Self.longest else {
            textCount = -1
            return
        }
        if text.count < bytes.count {
            text.deallocate()
            text = .allocate(byteCount: max(bytes.count, 2 * text.count), alignment: 1)
        }
        if !bytes.isEmpty { text.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        textCount = bytes.count
    }

    /// A literal the scan found, for the first time in this text.
    mutating func add(found number: Int) {
        guard foundCount < capacity else {
            textCount = -1  // not kept: it would not hold all that was found
            return
        }
        found[foundCount] = Int32(number)
        foundCount += 1
    }

    func deallocate() {
        text.deallocate()
        found.deallocate()
    }
}
