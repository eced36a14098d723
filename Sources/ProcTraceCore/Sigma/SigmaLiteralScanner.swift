/// Finds which of many literals occur in a text in one pass over it.
///
/// Each literal is filed under an anchor: two of its adjacent bytes, those
/// least common in command lines and paths (`commonness`), or its one byte. The
/// pass tests the two bytes at each position against a bitmap of the anchors
/// (65,536 bits, 8 KiB) and only where a bit is set compares the literals
/// filed there with the text. A position's test does not wait for the last
/// position's: an automaton's lookup a byte (Aho–Corasick) waited for the one
/// before it, ~9 cycles a byte, and was a tenth of `hunt`'s time.
///
/// Texts are read folded as the literals are: a capital as its small letter
/// and, when no literal holds a NUL, a NUL as a space (an argument vector is
/// scanned as the command line it joins to). The bitmap is indexed by the two
/// bytes with 0x20 set, which every such fold keeps, so a literal in the text
/// always hits its anchor's bit; the comparison then decides.
/// A position costs a compare a literal filed under its anchor, stopping at
/// the first byte that differs. Built once when the rules load; `scan`
/// allocates nothing.
final class SigmaLiteralScanner: Sendable {
    /// Whether a NUL reads as a space: an argument vector can be scanned as the command line it joins to.
    let readsArgumentVectors: Bool
    /// What `scan` reads, in memory this scanner owns: the threads that decode lines scan at once, and a
    /// table an object or array held would be retained and released by each of them at each field and
    /// hit (those counts, on a cache line both cores wrote, took as long as the scan itself).
    let tables: SigmaLiteralTables

    /// `literals` must be non-empty each; a literal's number is its index.
    init(_ literals: [[UInt8]]) {
        readsArgumentVectors = !literals.contains { $0.contains(0) }
        var fold = (0...255).map { UInt8($0) }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { fold[Int(byte)] = byte | 0x20 }
        if readsArgumentVectors { fold[0] = UInt8(ascii: " ") }

        var filings = [Int: [SigmaLiteralTables.Filing]]()
        for (number, literal) in literals.enumerated() {
            for (pair, offset) in Self.anchors(of: literal) {
                filings[pair, default: []].append(.init(literal: Int32(number), offset: Int32(offset)))
            }
        }
        var bitmap = [UInt64](repeating: 0, count: 65_536 / 64)
        for pair in filings.keys { bitmap[pair >> 6] |= 1 << UInt64(pair & 63) }
        var ranksBefore: [Int32] = []
        var rank: Int32 = 0
        for word in bitmap {
            ranksBefore.append(rank)
            rank += Int32(word.nonzeroBitCount)
        }
        var fileStart: [Int32] = [0]
        var filed: [SigmaLiteralTables.Filing] = []
        for pair in filings.keys.sorted() {
            filed += filings[pair]!
            fileStart.append(Int32(filed.count))
        }
        var literalStart: [Int32] = [0]
        for literal in literals { literalStart.append(literalStart.last! + Int32(literal.count)) }
        tables = SigmaLiteralTables(
            fold: fold, bitmap: bitmap, ranksBefore: ranksBefore, fileStart: fileStart, filed: filed,
            literalStart: literalStart, literalBytes: literals.flatMap { $0 })
    }

    deinit { tables.deallocate() }

    /// The pairs (bitmap bits) a literal is filed under, and where in it: its least common two adjacent
    /// bytes; a one-byte literal under that byte followed by any (the last byte of a text by the 0 past
    /// its end).
    private static func anchors(of literal: [UInt8]) -> [(pair: Int, offset: Int)] {
        func pair(_ first: UInt8, _ second: UInt8) -> Int { Int(first | 0x20) | Int(second | 0x20) << 8 }
        guard literal.count >= 2 else { return Set((0...255).map { pair(literal[0], UInt8($0)) }).map { ($0, 0) } }
        func commonness(at offset: Int) -> Int {
            Self.commonness(literal[offset]) + Self.commonness(literal[offset + 1])
        }
        let offset = (0..<(literal.count - 1)).min { commonness(at: $0) < commonness(at: $1) }!
        return [(pair(literal[offset], literal[offset + 1]), offset)]
    }

    /// Bytes by how common they are in command lines and paths, most common first (a fixed guess:
    /// blanks, separators, then English letters by frequency, then digits); any other byte is rare.
    private static let common = Array(" /-.etaoinsrlucdmhpbgf_=0123456789".utf8)
    private static func commonness(_ byte: UInt8) -> Int {
        common.firstIndex(of: byte | 0x20).map { common.count - $0 } ?? 0
    }

    /// Calls `found` once with the number of each literal `text` holds, read folded; with
    /// `readsArgumentVectors`, NULs read as spaces.
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ found: (Int) -> Void) {
        tables.scan(text, found)
    }
}
