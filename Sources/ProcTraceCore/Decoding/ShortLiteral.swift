/// A run of up to 24 bytes known in advance, such as `,"pid":`, compared with
/// the input three machine words at a time rather than byte by byte.
struct ShortLiteral {
    static let capacity = 24

    let count: Int
    /// The bytes in native order, zero after `count`.
    private let words: (UInt64, UInt64, UInt64)
    /// All ones over the literal's bytes, zero after them.
    private let masks: (UInt64, UInt64, UInt64)

    init(_ bytes: some Collection<UInt8>) {
        precondition(bytes.count <= ShortLiteral.capacity, "a ShortLiteral holds at most 24 bytes")
        count = bytes.count
        var padded = (UInt64(0), UInt64(0), UInt64(0))
        var mask = padded
        withUnsafeMutableBytes(of: &padded) { target in
            for (offset, byte) in bytes.enumerated() { target[offset] = byte }
        }
        withUnsafeMutableBytes(of: &mask) { target in
            for offset in 0..<bytes.count { target[offset] = 0xff }
        }
        words = padded
        masks = mask
    }

    /// Whether `input` holds exactly this literal at `index`.
    @inline(__always)
    func occurs(in input: UnsafeRawBufferPointer, at index: Int) -> Bool {
        let available = input.count - index
        guard available >= ShortLiteral.capacity else { return available >= count && bytewiseOccurs(in: input, at: index) }
        let start = input.baseAddress! + index
        let difference = (start.loadUnaligned(as: UInt64.self) ^ words.0) & masks.0
            | (start.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ words.1) & masks.1
            | (start.loadUnaligned(fromByteOffset: 16, as: UInt64.self) ^ words.2) & masks.2
        return difference == 0
    }

    private func bytewiseOccurs(in input: UnsafeRawBufferPointer, at index: Int) -> Bool {
        var padded = words
        return withUnsafeBytes(of: &padded) { literal in
            for offset in 0..<count where input[index + offset] != literal[offset] { return false }
            return true
        }
    }
}
