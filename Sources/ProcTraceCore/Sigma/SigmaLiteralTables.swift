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

    /// Copies the tables SigmaLiteralScanner built (see there for what each holds).
    init(
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

    /// Only for the scanner that owns them, when it goes.
    func deallocate() {
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
