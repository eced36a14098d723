/// A growable byte buffer that is reused from batch to batch: appending
/// allocates only when it must grow, and `removeAll()` keeps the capacity.
///
/// Its state is exempt from Swift's run-time exclusivity checks: every JSON
/// line appends to it dozens of times, and each checked access of a class
/// property costs a call into the runtime (a third of the record pipeline's
/// instructions, measured with callgrind). No method hands out an access
/// that could overlap another, so the static checks are enough.
public final class ByteBuffer {
    @exclusivity(unchecked) public private(set) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) public private(set) var capacity: Int
    @exclusivity(unchecked) public private(set) var count: Int = 0

    public init(capacity: Int = 64 * 1024) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    public func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(base + count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        count += bytes.count
    }

    /// Appends the first `length` bytes of the 24 at `slot`, copying all 24
    /// as three words: no call to memcpy for a short run of known bytes.
    @inline(__always)
    public func append(slot: UnsafeRawPointer, length: Int) {
        reserve(24)
        let target = UnsafeMutableRawPointer(base + count)
        target.storeBytes(of: slot.loadUnaligned(as: UInt64.self), as: UInt64.self)
        target.storeBytes(of: slot.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
        target.storeBytes(of: slot.loadUnaligned(fromByteOffset: 16, as: UInt64.self), toByteOffset: 16, as: UInt64.self)
        count += length
    }

    @inline(__always)
    public func append(_ string: StaticString) {
        append(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    public func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { append(UnsafeRawBufferPointer($0)) }
        if done == nil {
            for byte in bytes { append(byte) }
        }
    }

    /// Unsigned decimal.
    @inline(__always)
    public func appendDecimal(_ value: UInt64) {
        reserve(20)
        if value < 10 {
            base[count] = UInt8(truncatingIfNeeded: value) &+ 48
            count += 1
            return
        }
        let digits = ByteBuffer.decimalDigitCount(value)
        writeDigits(of: value, endingAt: count + digits)
        count += digits
    }

    /// Writes the decimal digits of `value` (≥ 1) backwards from `end`, two
    /// at a time: half the divisions of one digit at a time.
    @inline(__always)
    private func writeDigits(of value: UInt64, endingAt end: Int) {
        let pairs = ByteBuffer.digitPairs.utf8Start
        var remaining = value
        var position = end
        while remaining >= 100 {
            let pair = Int(truncatingIfNeeded: remaining % 100) &* 2
            remaining /= 100
            position -= 2
            base[position] = pairs[pair]
            base[position + 1] = pairs[pair + 1]
        }
        if remaining >= 10 {
            let pair = Int(truncatingIfNeeded: remaining) &* 2
            base[position - 2] = pairs[pair]
            base[position - 1] = pairs[pair + 1]
        } else {
            base[position - 1] = UInt8(truncatingIfNeeded: remaining) &+ 48
        }
    }

    /// "00", "01", … "99", one after another (a literal: no lazy initialisation).
    private static var digitPairs: StaticString { "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899" }

    /// How many decimal digits `value` has (1 for 0): from its bit length,
    /// then one comparison.
    @inline(__always)
    static func decimalDigitCount(_ value: UInt64) -> Int {
        let estimate = ((64 - value.leadingZeroBitCount) &* 1233) >> 12
        return max(estimate + (value >= powerOfTen(estimate) ? 1 : 0), 1)
    }

    /// 10^exponent for 0...19 (a table the compiler builds from the switch).
    @inline(__always)
    static func powerOfTen(_ exponent: Int) -> UInt64 {
        switch exponent {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1_000
        case 4: 10_000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        case 8: 100_000_000
        case 9: 1_000_000_000
        case 10: 10_000_000_000
        case 11: 100_000_000_000
        case 12: 1_000_000_000_000
        case 13: 10_000_000_000_000
        case 14: 100_000_000_000_000
        case 15: 1_000_000_000_000_000
        case 16: 10_000_000_000_000_000
        case 17: 100_000_000_000_000_000
        case 18: 1_000_000_000_000_000_000
        default: 10_000_000_000_000_000_000
        }
    }

    @inline(__always)
    public func appendDecimal(_ value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            appendDecimal(UInt64(bitPattern: 0 &- value))
        } else {
            appendDecimal(UInt64(value))
        }
    }

    @inline(__always)
    public func appendDecimal(_ value: Int32) { appendDecimal(Int64(value)) }

    /// `value` in exactly `width` digits, zero padded.
    @inline(__always)
    public func appendPadded(_ value: Int, width: Int) {
        reserve(width)
        let pairs = ByteBuffer.digitPairs.utf8Start
        // Never negative in a timestamp; as a bit pattern it cannot index out of the table.
        var remaining = UInt(bitPattern: value)
        var position = count + width
        while position - count >= 2 {
            let pair = Int(remaining % 100) &* 2
            remaining /= 100
            position -= 2
            base[position] = pairs[pair]
            base[position + 1] = pairs[pair + 1]
        }
        if position > count {
            base[count] = UInt8(truncatingIfNeeded: remaining % 10) &+ 48
        }
        count += width
    }

    public func removeAll() {
        count = 0
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    public var array: [UInt8] { Array(bytes) }
}
