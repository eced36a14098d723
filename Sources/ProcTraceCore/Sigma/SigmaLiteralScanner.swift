/// Finds which of many literals occur in a text in one pass over it
/// (Aho–Corasick, compiled to a table: one lookup a byte). Bytes that no
/// literal holds share one column, so the table is states × (distinct
/// literal bytes + 1) of 16-bit entries, the top bit saying whether some
/// literal ends there (the shared rules' command-line literals: 1,446 states,
/// 54 columns, 156 KB). Built once when the rules load; `scan` allocates nothing.
final class SigmaLiteralScanner: Sendable {
    let literalCount: Int
    /// Whether a NUL reads as a space: an argument vector can be scanned as the command line it joins to.
    let readsArgumentVectors: Bool
    private let columns: Int
    private let column: [UInt16]
    /// next = transitions[state * columns + column[byte]]: the state, | 0x8000 when literals end there.
    private let transitions: [UInt16]
    /// The literals ending at a state (its own and its suffixes'): outputs[outputStart[s] ..< outputStart[s + 1]].
    private let outputStart: [Int32]
    private let outputs: [Int32]

    /// `literals` must be non-empty each; a literal's number is its index.
    /// nil when the automaton would have 32,768 states or more.
    init?(_ literals: [[UInt8]]) {
        literalCount = literals.count
        var columnOf = [UInt16](repeating: 0, count: 256)
        var distinct = 0
        for literal in literals {
            for byte in literal where columnOf[Int(byte)] == 0 {
                distinct += 1
                columnOf[Int(byte)] = UInt16(distinct)
            }
        }
        let columns = distinct + 1
        // Texts are scanned as they are: a capital reads as its small letter (literals are folded),
        // and, when no literal holds a NUL, a NUL as a space.
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { columnOf[Int(byte)] = columnOf[Int(byte | 0x20)] }
        readsArgumentVectors = columnOf[0] == 0
        if readsArgumentVectors { columnOf[0] = columnOf[Int(UInt8(ascii: " "))] }
        // The trie (goto function): -1 where no edge.
        var goto: [Int32] = Array(repeating: -1, count: columns)
        var ends: [[Int32]] = [[]]
        for (number, literal) in literals.enumerated() {
            var state = 0
            for byte in literal {
                let slot = state * columns + Int(columnOf[Int(byte)])
                if goto[slot] < 0 {
                    goto[slot] = Int32(ends.count)
                    ends.append([])
                    goto.append(contentsOf: repeatElement(-1, count: columns))
                }
                state = Int(goto[slot])
            }
            ends[state].append(Int32(number))
        }
        // Breadth first: each state's failure link, its missing edges taken from it, its outputs merged.
        let stateCount = ends.count
        var failure = [Int](repeating: 0, count: stateCount)
        var transitions = goto
        var queue: [Int] = []
        for symbol in 0..<columns {
            let slot = transitions[symbol]
            if slot < 0 { transitions[symbol] = 0 } else { queue.append(Int(slot)) }
        }
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            ends[state].append(contentsOf: ends[failure[state]])
            for symbol in 0..<columns {
                let slot = state * columns + symbol
                let next = transitions[slot]
                if next < 0 {
                    transitions[slot] = transitions[failure[state] * columns + symbol]
                } else {
                    failure[Int(next)] = Int(transitions[failure[state] * columns + symbol])
                    queue.append(Int(next))
                }
            }
        }
        guard stateCount < 0x8000 else { return nil }
        var outputStart: [Int32] = [0]
        var outputs: [Int32] = []
        for state in 0..<stateCount {
            outputs.append(contentsOf: Set(ends[state]).sorted())
            outputStart.append(Int32(outputs.count))
        }
        self.columns = columns
        self.column = columnOf
        self.transitions = transitions.map { next in UInt16(next) | (ends[Int(next)].isEmpty ? 0 : 0x8000) }
        self.outputStart = outputStart
        self.outputs = outputs
    }

    /// Calls `found` with the number of each literal occurrence in `text` read folded (a literal may be
    /// reported more than once); with `readsArgumentVectors`, NULs read as spaces.
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ found: (Int) -> Void) {
        guard let bytes = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = text.count
        var state = 0
        var position = 0
        while position < count {
            // Each byte's lookup waits for the last one's: the loop between two found literals makes no
            // call, so the state stays in a register (with `found` inside it, it went through the stack).
            let next = advance(bytes, count, &position, from: state)
            state = next & 0x7fff
            if next & 0x8000 != 0 { report(state, found) }
        }
    }

    /// Reads from `position` until a state where literals end, or the end; returns the last transition.
    @inline(__always)
    private func advance(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ position: inout Int, from start: Int) -> Int {
        column.withUnsafeBufferPointer { column in
            transitions.withUnsafeBufferPointer { transitions in
                var state = start
                var index = position
                var next = 0
                repeat {
                    next = Int(transitions[state &* columns &+ Int(column[Int(bytes[index])])])
                    state = next & 0x7fff
                    index &+= 1
                } while next & 0x8000 == 0 && index < count
                position = index
                return next
            }
        }
    }

    private func report(_ state: Int, _ found: (Int) -> Void) {
        outputStart.withUnsafeBufferPointer { outputStart in
            outputs.withUnsafeBufferPointer { outputs in
                for output in Int(outputStart[state])..<Int(outputStart[state &+ 1]) { found(Int(outputs[output])) }
            }
        }
    }
}
