/// A run of 4 to 24 bytes known in advance, such as `,"pid":`, compared with
/// the input a machine word at a time rather than byte by byte: three words
/// (at the start, the middle and the end, overlapping) when it has 8 bytes or
/// more, two half words otherwise.
struct ShortLiteral {
    static let capacity = 24

    let count: Int
    private let middleOffset: Int
    private let endOffset: Int
    private let start: UInt64
    private let middle: UInt64
    private let end: UInt64

    init(_ bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        precondition((4...ShortLiteral.capacity).contains(bytes.count), "a ShortLiteral holds 4 to 24 bytes")
        count = bytes.count
        let wordSize = count >= 8 ? 8 : 4
        middleOffset = min(8, count - wordSize)
        endOffset = count - wordSize
        func word(at offset: Int) -> UInt64 {
            bytes.withUnsafeBytes { ShortLiteral.load($0.baseAddress! + offset, wordSize: wordSize) }
        }
        start = word(at: 0)
        middle = word(at: middleOffset)
        end = word(at: endOffset)
    }

    /// Whether `input` holds exactly this literal at `index`.
    @inline(__always)
    func occurs(in input: UnsafeRawBufferPointer, at index: Int) -> Bool {
        guard input.count - index >= count else { return false }
        let wordSize = count >= 8 ? 8 : 4
        let at = input.baseAddress! + index
        let difference = (ShortLiteral.load(at, wordSize: wordSize) ^ start)
            | (ShortLiteral.load(at + middleOffset, wordSize: wordSize) ^ middle)
            | (ShortLiteral.load(at + endOffset, wordSize: wordSize) ^ end)
        return difference == 0
    }

    @inline(__always)
    private static func load(_ address: UnsafeRawPointer, wordSize: Int) -> UInt64 {
        wordSize == 8 ? address.loadUnaligned(as: UInt64.self) : UInt64(address.loadUnaligned(as: UInt32.self))
    }
}
