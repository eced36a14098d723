/// The storage of records decoded before, to decode the next ones into.
///
/// A worker decoding chunk after chunk hands each record slot back here
/// before it is filled again (JSONLineDecoder.decode(_:into:form:recycling:)):
/// the byte arrays (filename, argv, cwd, …) and the context box are cleared
/// and filled again instead of freed and allocated, so in a steady state a
/// line costs no allocation. One that the caller still holds (a tree kept an
/// argv) is shared, so filling it again copies it first, as any array would:
/// what the caller holds never changes.
public struct RecycledBuffers {
    /// Optional, as records hold them: moved in and out with no retain or release.
    var byteArrays: [[UInt8]?] = []
    var contexts: [ProcessContextStorage] = []
    /// Not a buffer but reused the same way: the last timestamp's second, which the next line usually shares.
    var recentSecond = RecentSecond()

    public init() {}

    /// Enough for the arrays of a few records; more would only hold memory.
    static let limit = 64

    /// Takes `event`'s arrays and context box; leaves it holding none.
    mutating func recycle(_ event: inout Event) {
        // Moved, not copied (`take()`): a copy would retain each array and release it again.
        keep(event.filename.take())
        keep(event.argv.take()?.bytes)
        guard var storage = event.contextStorage.take(), contexts.count < RecycledBuffers.limit,
              isKnownUniquelyReferenced(&storage) else { return }
        keep(storage.value.tty.take())
        keep(storage.value.cwd.take())
        keep(storage.value.exe.take())
        keep(storage.value.cgroup.take())
        keep(storage.value.containerID.take())
        contexts.append(storage)
    }

    /// An empty array, with room from an earlier record where there is one.
    mutating func emptyBytes() -> [UInt8] {
        guard case var bytes?? = byteArrays.popLast() else { return [] }
        bytes.removeAll(keepingCapacity: true)
        return bytes
    }

    /// A context box nobody else holds, for `value`, which is left empty.
    mutating func context(holding value: inout ProcessContext) -> ProcessContextStorage {
        let storage = contexts.popLast() ?? ProcessContextStorage(ProcessContext())
        swap(&storage.value, &value)
        return storage
    }

    private mutating func keep(_ bytes: consuming [UInt8]?) {
        if bytes != nil && byteArrays.count < RecycledBuffers.limit { byteArrays.append(bytes) }
    }
}
