/// One JSON object built from values set at dotted paths (`process.parent.pid`)
/// and written nested (`{"process":{"parent":{"pid":1}}}`), keys in a stable
/// order. Reused from record to record: once every path has been seen, a
/// record costs no allocation and no string work (each path's parents and
/// keys are worked out once, as numbers and bytes). Set each path once per
/// record (a second set is ignored), and never a path that another extends.
/// Used by one thread: exempt from run-time exclusivity checks.
final class NestedJSONObject {
    @exclusivity(unchecked) private var ids: [String: Int] = [:]
    /// The ids of paths given as literals, by the literal's address.
    @exclusivity(unchecked) private var literalIDs: [UInt: Int] = [:]
    @exclusivity(unchecked) private var components: [[Substring]] = []
    /// Per path id: the ids of the objects it is in, outermost first (`process`, `process.parent`),
    /// at `parents[within[id]]` (flat: writing copies no array).
    @exclusivity(unchecked) private var parents: [Int] = []
    @exclusivity(unchecked) private var within: [Range<Int>] = []
    /// Per path id: `"name":` of its last component, at `keyBytes[keys[id]]`.
    @exclusivity(unchecked) private var keyBytes: [UInt8] = []
    @exclusivity(unchecked) private var keys: [Range<Int>] = []
    /// Per object id (a proper prefix of a path): `"name":{` of its last component.
    @exclusivity(unchecked) private var objectIDs: [String: Int] = [:]
    @exclusivity(unchecked) private var objectKeys: [Range<Int>] = []
    /// Per path id, its place in the written order, and the path at each place.
    @exclusivity(unchecked) private var rank: [Int] = []
    @exclusivity(unchecked) private var pathAtRank: [Int] = []
    /// Per path id, the record it was last set in, and where its value is in `values`.
    @exclusivity(unchecked) private var setIn: [Int] = []
    @exclusivity(unchecked) private var spans: [(start: Int, end: Int)] = []
    @exclusivity(unchecked) private var record = 1
    /// The ranks of the paths set in this record.
    @exclusivity(unchecked) private var setRanks: [Int] = []
    @exclusivity(unchecked) private var open: [Int] = []
    /// The values' JSON text, one after another.
    private let values = ByteBuffer(capacity: 4096)

    /// Sets the value at `path`: `write` appends its JSON text.
    @inline(__always)
    func set(_ path: StaticString, _ write: (ByteBuffer) -> Void) {
        set(id: id(path), write)
    }

    /// `set` with the path's id (`id(_:)`), looked up once beforehand.
    @inline(__always)
    func set(id: Int, _ write: (ByteBuffer) -> Void) {
        guard setIn[id] != record else { return }
        setIn[id] = record
        let start = values.count
        write(values)
        spans[id] = (start, values.count)
        setRanks.append(rank[id])
    }

    func set(id: Int, raw: UnsafeRawBufferPointer) { set(id: id) { $0.append(raw) } }
    func set(id: Int, _ number: Int64) { set(id: id) { $0.appendDecimal(number) } }
    func set(id: Int, quoted text: [UInt8]) { set(id: id) { JSONStringEscaper.appendQuoted(text, to: $0) } }
    func set(_ path: StaticString, _ literal: StaticString) { set(path) { $0.append(literal) } }
    func set(_ path: StaticString, _ number: Int64) { set(path) { $0.appendDecimal(number) } }
    func set(_ path: StaticString, quoted text: String) { set(path) { JSONStringEscaper.appendQuoted(text, to: $0) } }

    /// The id of a path written as a literal: found by its address after the first time.
    @inline(__always)
    func id(_ path: StaticString) -> Int {
        guard path.hasPointerRepresentation else { return id(path.description) }
        let address = UInt(bitPattern: path.utf8Start)
        if let id = literalIDs[address] { return id }
        let id = id(path.description)
        literalIDs[address] = id
        return id
    }

    func id(_ path: String) -> Int {
        if let id = ids[path] { return id }
        let id = components.count
        ids[path] = id
        let names = path.split(separator: ".")
        components.append(names)
        let objects = names.indices.dropLast().map { objectID(names[...$0]) }
        within.append(parents.count..<parents.count + objects.count)
        parents += objects
        keys.append(appendKey(names[names.count - 1], opening: false))
        setIn.append(0)
        spans.append((0, 0))
        // A new path (only while the first records go by): place every path again.
        let placed = pathAtRank
        pathAtRank = components.indices.sorted { components[$0].lexicographicallyPrecedes(components[$1]) }
        rank = [Int](repeating: 0, count: pathAtRank.count)
        for (place, path) in pathAtRank.enumerated() { rank[path] = place }
        for index in setRanks.indices { setRanks[index] = rank[placed[setRanks[index]]] }
        return id
    }

    private func objectID(_ names: ArraySlice<Substring>) -> Int {
        let path = names.joined(separator: ".")
        if let id = objectIDs[path] { return id }
        objectIDs[path] = objectKeys.count
        objectKeys.append(appendKey(names[names.endIndex - 1], opening: true))
        return objectKeys.count - 1
    }

    /// `"name":` (and `{`) appended to `keyBytes`; where it is.
    private func appendKey(_ name: Substring, opening: Bool) -> Range<Int> {
        let start = keyBytes.count
        keyBytes += [UInt8(ascii: "\"")] + Array(name.utf8) + Array("\":".utf8) + (opening ? [UInt8(ascii: "{")] : [])
        return start..<keyBytes.count
    }

    /// Writes the object and forgets the record's values.
    func write(to out: ByteBuffer) {
        setRanks.sort()
        out.append(UInt8(ascii: "{"))
        open.removeAll(keepingCapacity: true)
        var first = true
        keyBytes.withUnsafeBytes { keyBytes in
            for place in setRanks { writeLeaf(pathAtRank[place], keyBytes: keyBytes, first: &first, to: out) }
        }
        for _ in open { out.append(UInt8(ascii: "}")) }
        out.append(UInt8(ascii: "}"))
        setRanks.removeAll(keepingCapacity: true)
        values.removeAll()
        record += 1
    }

    /// Closes the open objects `path` is not in, opens those it is in, then writes `"name":value`.
    @inline(__always)
    private func writeLeaf(_ path: Int, keyBytes: UnsafeRawBufferPointer, first: inout Bool, to out: ByteBuffer) {
        let objects = within[path]
        var common = 0
        while common < open.count, common < objects.count, open[common] == parents[objects.lowerBound + common] {
            common += 1
        }
        if common < open.count {
            for _ in common..<open.count { out.append(UInt8(ascii: "}")) }
            open.removeLast(open.count - common)
            first = false
        }
        for object in parents[(objects.lowerBound + common)..<objects.upperBound] {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UnsafeRawBufferPointer(rebasing: keyBytes[objectKeys[object]]))
            open.append(object)
            first = true
        }
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UnsafeRawBufferPointer(rebasing: keyBytes[keys[path]]))
        first = false
        let span = spans[path]
        out.append(UnsafeRawBufferPointer(start: values.base + span.start, count: span.end - span.start))
    }
}
