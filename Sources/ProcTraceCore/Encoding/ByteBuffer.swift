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
        var digits = 0
        var probe = value
        while probe > 0 {
            digits += 1
            probe /= 10
        }
        var remaining = value
        var position = count + digits - 1
        while remaining > 0 {
            base[position] = UInt8(truncatingIfNeeded: remaining % 10) &+ 48
            remaining /= 10
            position -= 1
        }
        count += digits
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
        var remaining = value
        var position = count + width - 1
        while position >= count {
            base[position] = UInt8(truncatingIfNeeded: remaining % 10) &+ 48
            remaining /= 10
            position -= 1
        }
        count += width
    }

    public func removeAll() {
        count = 0
    }

    /// Drops the first `n` bytes (after a partial write).
    public func removeFirst(_ n: Int) {
        precondition(n <= count)
        (base).update(from: base + n, count: count - n)
        count -= n
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    public var array: [UInt8] { Array(bytes) }
}
