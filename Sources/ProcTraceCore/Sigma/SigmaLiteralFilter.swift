/// Rules an exec cannot match because it holds none of their guard's
/// literals (SigmaLiteralGuard): each field a guard reads is scanned once per
/// exec for every rule's literals at once (SigmaLiteralScanner), and a rule
/// is then a few bit tests. A rule without a guard is always a candidate.
/// Not thread-safe: one per evaluator.
final class SigmaLiteralFilter {
    /// A literal of a guard: the field it is looked for in, and its number.
    private struct Reference {
        var field: Int
        var number: Int
    }

    /// Per rule: its literals, or nil (no guard).
    private let guards: [[Reference]?]
    /// Per field: the scanner of the literals guards look for in it (nil: none).
    private let scanners: [SigmaLiteralScanner?]
    /// Per field: the first number of its literals (numbers are global over fields).
    private let firstNumber: [Int32]
    /// The exec a literal was last found in, and the exec a field was last scanned for.
    @exclusivity(unchecked) private var foundIn: [UInt32]
    @exclusivity(unchecked) private var scannedFor: [UInt32]
    @exclusivity(unchecked) private var generation: UInt32 = 1

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
        firstNumber = first
        self.scanners = scanners
        guards = ruleNeedles.map { needles in
            // A field too big to scan (no scanner) leaves the rule unguarded.
            guard let needles, needles.allSatisfy({ scanners[$0.field.rawValue] != nil }) else { return nil }
            return needles.map {
                Reference(field: $0.field.rawValue,
                          number: Int(first[$0.field.rawValue]) + numbers[$0.field.rawValue][$0.literal]!)
            }.sorted { ($0.field, $0.number) < ($1.field, $1.number) }
        }
        foundIn = [UInt32](repeating: 0, count: Int(total))
        scannedFor = [UInt32](repeating: 0, count: SigmaField.allCases.count)
    }

    /// Rules with a guard (for figures and tests).
    var guardedRuleCount: Int { guards.filter { $0 != nil }.count }

    /// A new exec: nothing found, nothing scanned.
    @inline(__always)
    func reset() {
        generation &+= 1
        if generation == 0 {
            for index in foundIn.indices { foundIn[index] = 0 }
            for index in scannedFor.indices { scannedFor[index] = 0 }
            generation = 1
        }
    }

    /// false when the exec whose fields `fields` holds cannot match rule `index`.
    @inline(__always)
    func mayMatch(_ index: Int, _ fields: SigmaExecFields) -> Bool {
        guard let references = guards[index] else { return true }
        for reference in references {
            if scannedFor[reference.field] != generation { scan(reference.field, fields) }
            if foundIn[reference.number] == generation { return true }
        }
        return false
    }

    private func scan(_ field: Int, _ fields: SigmaExecFields) {
        scannedFor[field] = generation
        guard let scanner = scanners[field] else { return }
        let first = Int(firstNumber[field])
        let generation = generation
        func scan(_ bytes: UnsafeRawBufferPointer) {
            foundIn.withUnsafeMutableBufferPointer { foundIn in
                scanner.scan(bytes) { foundIn[first &+ $0] = generation }
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
