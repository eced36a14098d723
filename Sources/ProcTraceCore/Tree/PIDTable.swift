/// Objects by PID, for the process tree: every record looks up its PID
/// and its parent's, so this lookup is on the path of every record replayed
/// or recorded. Swift's Dictionary spent ~125 instructions a lookup there
/// (SipHash of 4 bytes, then the probe); this table spends ~20, which took
/// 10 % of the instructions off `hunt`'s thread that applies the records.
///
/// Open addressing with linear probing, at most half full, entries removed by
/// shifting back (no tombstones). The slot is multiply-add-shift hashing
/// (Dietzfelbinger), pairwise independent, with a random multiplier and
/// addend per table: a crafted log cannot pick PIDs that share a slot.
/// Not thread-safe.
final class PIDTable<Value: AnyObject> {
    private var keyAt: UnsafeMutablePointer<Int32>
    /// nil: the slot is free.
    private var valueAt: UnsafeMutablePointer<Value?>
    private var mask: Int
    private var shift: UInt64
    private let multiplier: UInt64
    private let addend: UInt64
    private(set) var count = 0

    init() {
        multiplier = UInt64.random(in: .min ... .max) | 1
        addend = UInt64.random(in: .min ... .max)
        (keyAt, valueAt, mask, shift) = Self.storage(capacity: 16)
    }

    deinit {
        valueAt.deinitialize(count: mask + 1)
        valueAt.deallocate()
        keyAt.deallocate()
    }

    subscript(key: Int32) -> Value? {
        get {
            var slot = home(key)
            while let value = valueAt[slot] {
                if keyAt[slot] == key { return value }
                slot = (slot &+ 1) & mask
            }
            return nil
        }
        set {
            if let newValue { insert(newValue, for: key) } else { remove(key) }
        }
    }

    /// Every value, in no particular order.
    var values: [Value] {
        var result: [Value] = []
        result.reserveCapacity(count)
        for slot in 0...mask { if let value = valueAt[slot] { result.append(value) } }
        return result
    }

    private func home(_ key: Int32) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: key)) &* multiplier &+ addend) >> shift)
    }

    private func insert(_ value: Value, for key: Int32) {
        var slot = home(key)
        while valueAt[slot] != nil {
            if keyAt[slot] == key {
                valueAt[slot] = value
                return
            }
            slot = (slot &+ 1) & mask
        }
        keyAt[slot] = key
        valueAt[slot] = value
        count += 1
        if count * 2 > mask + 1 { grow() }
    }

    private func remove(_ key: Int32) {
        var slot = home(key)
        while valueAt[slot] != nil {
            if keyAt[slot] == key { return removeEntry(at: slot) }
            slot = (slot &+ 1) & mask
        }
    }

    /// Frees `hole`, moving back each later entry of the run that may no longer be reached past it.
    private func removeEntry(at slot: Int) {
        var hole = slot
        var next = slot
        while true {
            next = (next &+ 1) & mask
            guard valueAt[next] != nil else { break }
            // An entry stays when its home is cyclically in (hole, next]: it is found before the hole.
            let home = home(keyAt[next])
            let staysPut = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if staysPut { continue }
            keyAt[hole] = keyAt[next]
            valueAt[hole] = valueAt[next]
            hole = next
        }
        valueAt[hole] = nil
        count -= 1
    }

    private func grow() {
        let (oldKeys, oldValues, oldCapacity) = (keyAt, valueAt, mask + 1)
        (keyAt, valueAt, mask, shift) = Self.storage(capacity: oldCapacity * 2)
        count = 0
        for slot in 0..<oldCapacity {
            if let value = oldValues[slot] { insert(value, for: oldKeys[slot]) }
        }
        oldValues.deinitialize(count: oldCapacity)
        oldValues.deallocate()
        oldKeys.deallocate()
    }

    /// Empty slots for `capacity` (a power of two) entries, and the mask and shift that index them.
    private static func storage(capacity: Int)
        -> (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Value?>, Int, UInt64) {
        let keys = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        keys.initialize(repeating: 0, count: capacity)
        let values = UnsafeMutablePointer<Value?>.allocate(capacity: capacity)
        values.initialize(repeating: nil, count: capacity)
        return (keys, values, capacity - 1, UInt64(64 - capacity.trailingZeroBitCount))
    }
}
