/// Finds which of many literals occur in a text in one pass over it.
///
/// Each literal is filed under an anchor: two of its adjacent bytes, those
/// least common in command lines and paths (`rarity`), or its one byte. The
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
    let literalCount: Int
    /// Whether a NUL reads as a space: an argument vector can be scanned as the command line it joins to.
    let readsArgumentVectors: Bool
    /// What `scan` reads, in memory this scanner owns: the threads that decode lines scan at once, and a
    /// table an object or array held would be retained and released by each of them at each field and
    /// hit (a tenth of the prescan's time went to those shared counts).
    let tables: SigmaLiteralTables

    /// `literals` must be non-empty each; a literal's number is its index.
    init(_ literals: [[UInt8]]) {
        literalCount = literals.count
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

    /// The pairs (bitmap bits) a literal is filed under, and where in it: its rarest two adjacent bytes;
    /// a one-byte literal under that byte followed by any (the last byte of a text by the 0 past its end).
    private static func anchors(of literal: [UInt8]) -> [(pair: Int, offset: Int)] {
        func pair(_ first: UInt8, _ second: UInt8) -> Int { Int(first | 0x20) | Int(second | 0x20) << 8 }
        guard literal.count >= 2 else { return Set((0...255).map { pair(literal[0], UInt8($0)) }).map { ($0, 0) } }
        let offset = (0..<(literal.count - 1)).min { rarity(literal[$0], literal[$0 + 1]) > rarity(literal[$1], literal[$1 + 1]) }!
        return [(pair(literal[offset], literal[offset + 1]), offset)]
    }

    /// Bytes by how common they are in command lines and paths (a fixed guess: blanks, separators, then
    /// English letters by frequency, then digits); a pair is as rare as its bytes are uncommon.
    private static let common = Array(" /-.etaoinsrlucdmhpbgf_=0123456789".utf8)
    private static func rarity(_ first: UInt8, _ second: UInt8) -> Int {
        func commonness(_ byte: UInt8) -> Int {
            common.firstIndex(of: byte | 0x20).map { common.count - $0 } ?? 0
        }
        return -(commonness(first) + commonness(second))
    }

    /// Calls `found` once with the number of each literal `text` holds, read folded; with
    /// `readsArgumentVectors`, NULs read as spaces.
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ found: (Int) -> Void) {
        tables.scan(text, found)
    }
}

/// A SigmaLiteralScanner's tables: pointers, copied without reference
/// counts. Immutable once made; freed by the scanner that owns them, so
/// whoever scans with them holds that scanner.
struct SigmaLiteralTables: @unchecked Sendable {
    struct Filing {
        let literal: Int32
        /// Where the anchor is in the literal.
        let offset: Int32
    }

    /// A text byte as the literals are written (folded).
    private let fold: UnsafeMutableBufferPointer<UInt8>
    /// Bit (first | second << 8 | 0x2020): some literal is filed under that pair.
    private let bitmap: UnsafeMutableBufferPointer<UInt64>
    /// Per bitmap word: the bits set in the words before it (a set bit's rank is its filing list).
    private let ranksBefore: UnsafeMutableBufferPointer<Int32>
    /// The literals filed under the pair of rank r: filed[fileStart[r] ..< fileStart[r + 1]].
    private let fileStart: UnsafeMutableBufferPointer<Int32>
    private let filed: UnsafeMutableBufferPointer<Filing>
    /// Literal n is literalBytes[literalStart[n] ..< literalStart[n + 1]].
    private let literalStart: UnsafeMutableBufferPointer<Int32>
    private let literalBytes: UnsafeMutableBufferPointer<UInt8>
    /// Words of a bit a literal: what a scan has reported.
    private let reportWords: Int

    fileprivate init(
        fold: [UInt8], bitmap: [UInt64], ranksBefore: [Int32], fileStart: [Int32], filed: [Filing],
        literalStart: [Int32], literalBytes: [UInt8]
    ) {
        func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: array.count)
            _ = buffer.initialize(from: array)
            return buffer
        }
        self.fold = copy(fold)
        self.bitmap = copy(bitmap)
        self.ranksBefore = copy(ranksBefore)
        self.fileStart = copy(fileStart)
        self.filed = copy(filed)
        self.literalStart = copy(literalStart)
        self.literalBytes = copy(literalBytes)
        reportWords = (literalStart.count - 1 + 63) / 64
    }

    fileprivate func deallocate() {
        fold.deallocate()
        bitmap.deallocate()
        ranksBefore.deallocate()
        fileStart.deallocate()
        filed.deallocate()
        literalStart.deallocate()
        literalBytes.deallocate()
    }

    /// SigmaLiteralScanner.scan. A literal reported is not compared again: a text repeating one
    /// (a crafted command line) costs a bit test a repeat, not a compare.
    @inline(__always)
    func scan(_ text: UnsafeRawBufferPointer, _ found: (Int) -> Void) {
        guard let base = text.baseAddress else { return }
        let count = text.count
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: reportWords) { reported in
            reported.initialize(repeating: 0)
            var position = 0
            while position < count {
                // The loop between two hits makes no call, so what it reads stays in registers.
                position = nextHit(base, count, from: position)
                guard position < count else { return }
                compare(base, count, at: position, reported, found)
                position &+= 1
            }
        }
    }

    /// The first position from `start` whose pair's bit is set, or `count`.
    @inline(__always)
    private func nextHit(_ base: UnsafeRawPointer, _ count: Int, from start: Int) -> Int {
        var position = start
        let last = count &- 1
        while position < last {
            let pair = Int(base.loadUnaligned(fromByteOffset: position, as: UInt16.self).littleEndian | 0x2020)
            if isSet(pair) { return position }
            position &+= 1
        }
        return position == last && isSet(Self.pair(base, count, last)) ? last : count
    }

    @inline(__always)
    private func isSet(_ pair: Int) -> Bool {
        bitmap[pair &>> 6] & (1 &<< UInt64(truncatingIfNeeded: pair)) != 0
    }

    /// The pair at `position`, the byte past the end read as 0.
    @inline(__always)
    private static func pair(_ base: UnsafeRawPointer, _ count: Int, _ position: Int) -> Int {
        let first = Int(base.load(fromByteOffset: position, as: UInt8.self))
        let second = position &+ 1 < count ? Int(base.load(fromByteOffset: position &+ 1, as: UInt8.self)) : 0
        return (first | second << 8) | 0x2020
    }

    /// Compares the literals filed under the pair at `position` with the text; reports those it holds.
    private func compare(
        _ base: UnsafeRawPointer, _ count: Int, at position: Int, _ reported: UnsafeMutableBufferPointer<UInt64>,
        _ found: (Int) -> Void
    ) {
        let pair = Self.pair(base, count, position)
        let word = bitmap[pair >> 6]
        let rank = Int(ranksBefore[pair >> 6]) + (word & ((1 << UInt64(pair & 63)) - 1)).nonzeroBitCount
        let text = base.assumingMemoryBound(to: UInt8.self)
        for filing in filed[Int(fileStart[rank])..<Int(fileStart[rank + 1])] {
            let number = Int(filing.literal)
            let bit: UInt64 = 1 &<< UInt64(number & 63)
            guard reported[number >> 6] & bit == 0 else { continue }
            let first = Int(literalStart[number])
            let length = Int(literalStart[number + 1]) - first
            let start = position - Int(filing.offset)
            guard start >= 0, start + length <= count else { continue }
            var index = 0
            while index < length, fold[Int(text[start &+ index])] == literalBytes[first &+ index] { index &+= 1 }
            if index == length {
                reported[number >> 6] |= bit
                found(number)
            }
        }
    }
}
