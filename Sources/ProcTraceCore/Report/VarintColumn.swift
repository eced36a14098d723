/// One integer column as zigzag LEB128 varints, appended value by value: a
/// byte per small value, and far faster for the page to read than JSON numbers.
struct VarintColumn {
    let bytes: ByteBuffer
    private(set) var count = 0

    init(capacity: Int = 64 * 1024) {
        bytes = ByteBuffer(capacity: capacity)
    }

    @inline(__always)
    mutating func append(_ value: Int64) {
        Self.encode(value, to: bytes)
        count += 1
    }

    @inline(__always)
    static func encode(_ value: Int64, to bytes: ByteBuffer) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        bytes.append(UInt8(zigzag))
    }
}
