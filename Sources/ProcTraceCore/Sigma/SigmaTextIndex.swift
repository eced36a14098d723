/// Which byte pairs (bigrams) a text holds: a literal with a pair the text
/// lacks cannot be in it, which one bit test says before any search. Built
/// once per field per event (a field read by many `contains` values: a
/// command line against a rule's forty miner names), reused across events:
/// only the bits it set are cleared.
public final class SigmaTextIndex {
    private let bits = UnsafeMutablePointer<UInt64>.allocate(capacity: 65_536 / 64)
    /// The text indexed last: its pairs are the bits to clear.
    @exclusivity(unchecked) private var indexed: [UInt8] = []

    public init() {
        bits.initialize(repeating: 0, count: 65_536 / 64)
    }

    deinit {
        bits.deallocate()
    }

    public func index(_ text: [UInt8]) {
        SigmaTextIndex.forEachPair(indexed) { bits[Int($0) >> 6] = 0 }
        indexed = text
        SigmaTextIndex.forEachPair(text) { bits[Int($0) >> 6] |= 1 << UInt64($0 & 63) }
    }

    @inline(__always)
    private static func forEachPair(_ text: [UInt8], _ body: (UInt16) -> Void) {
        guard text.count >= 2 else { return }
        text.withUnsafeBufferPointer { bytes in
            var previous = UInt16(bytes[0])
            for index in 1..<bytes.count {
                let current = UInt16(bytes[index])
                body(previous << 8 | current)
                previous = current
            }
        }
    }

    /// false when some pair of `pairs` is not in the text (then no text holding the literal is).
    @inline(__always)
    public func mayContain(_ pairs: [UInt16]) -> Bool {
        for pair in pairs where bits[Int(pair) >> 6] & (1 << UInt64(pair & 63)) == 0 { return false }
        return true
    }

    /// The byte pairs of `literal`, each once.
    public static func pairs(of literal: [UInt8]) -> [UInt16] {
        guard literal.count >= 2 else { return [] }
        var pairs: [UInt16] = []
        for index in 1..<literal.count {
            let pair = UInt16(literal[index - 1]) << 8 | UInt16(literal[index])
            if !pairs.contains(pair) { pairs.append(pair) }
        }
        return pairs
    }
}
