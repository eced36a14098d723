/// One JSON object built from values set at dotted paths (`process.parent.pid`)
/// and written nested (`{"process":{"parent":{"pid":1}}}`), keys in a stable
/// order. Reused from record to record: once every path has been seen, a
/// record costs no allocation. Set each path once per record (a second set
/// is ignored), and never a path that another extends.
final class NestedJSONObject {
    private var ids: [String: Int] = [:]
    private var components: [[Substring]] = []
    /// Per path id, its place in the written order.
    private var rank: [Int] = []
    /// Per path id, the record it was last set in.
    private var setIn: [Int] = []
    private var record = 1
    private var leaves: [(rank: Int, path: Int, start: Int, end: Int)] = []
    /// The values' JSON text, one after another.
    private let values = ByteBuffer(capacity: 4096)

    /// Sets the value at `path`: `write` appends its JSON text.
    @inline(__always)
    func set(_ path: String, _ write: (ByteBuffer) -> Void) {
        set(id: id(path), write)
    }

    /// `set` with the path's id (`id(_:)`), looked up once beforehand.
    @inline(__always)
    func set(id: Int, _ write: (ByteBuffer) -> Void) {
        guard setIn[id] != record else { return }
        setIn[id] = record
        let start = values.count
        write(values)
        leaves.append((rank[id], id, start, values.count))
    }

    func set(_ path: String, raw: UnsafeRawBufferPointer) { set(path) { $0.append(raw) } }
    func set(id: Int, raw: UnsafeRawBufferPointer) { set(id: id) { $0.append(raw) } }
    func set(id: Int, _ number: Int64) { set(id: id) { $0.appendDecimal(number) } }
    func set(id: Int, quoted text: [UInt8]) { set(id: id) { JSONStringEscaper.appendQuoted(text, to: $0) } }
    func set(_ path: String, _ literal: StaticString) { set(path) { $0.append(literal) } }
    func set(_ path: String, _ number: Int64) { set(path) { $0.appendDecimal(number) } }
    func set(_ path: String, quoted text: [UInt8]) { set(path) { JSONStringEscaper.appendQuoted(text, to: $0) } }
    func set(_ path: String, quoted text: String) { set(path) { JSONStringEscaper.appendQuoted(text, to: $0) } }

    /// Whether `path` holds a value in this record.
    func has(_ path: String) -> Bool {
        ids[path].map { setIn[$0] == record } ?? false
    }

    func id(_ path: String) -> Int {
        if let id = ids[path] { return id }
        let id = components.count
        ids[path] = id
        components.append(path.split(separator: "."))
        setIn.append(0)
        // A new path (only while the first records go by): place every path again.
        let order = components.indices.sorted { components[$0].lexicographicallyPrecedes(components[$1]) }
        rank = [Int](repeating: 0, count: order.count)
        for (place, path) in order.enumerated() { rank[path] = place }
        for index in leaves.indices { leaves[index].rank = rank[leaves[index].path] }
        return id
    }

    /// Writes the object and forgets the record's values.
    func write(to out: ByteBuffer) {
        leaves.sort { $0.rank < $1.rank }
        out.append(UInt8(ascii: "{"))
        var open: ArraySlice<Substring> = []
        var first = true
        for leaf in leaves {
            let path = components[leaf.path]
            let parents = path.dropLast()
            var common = 0
            while common < open.count, common < parents.count, open[open.startIndex + common] == parents[common] { common += 1 }
            for _ in common..<open.count {
                out.append(UInt8(ascii: "}"))
                first = false
            }
            open = open.prefix(common)
            for name in parents.dropFirst(common) {
                key(name, first: first, out)
                out.append(UInt8(ascii: "{"))
                first = true
            }
            open = parents[...]
            key(path[path.count - 1], first: first, out)
            first = false
            out.append(UnsafeRawBufferPointer(start: values.base + leaf.start, count: leaf.end - leaf.start))
        }
        for _ in open { out.append(UInt8(ascii: "}")) }
        out.append(UInt8(ascii: "}"))
        leaves.removeAll(keepingCapacity: true)
        values.removeAll()
        record += 1
    }

    private func key(_ name: Substring, first: Bool, _ out: ByteBuffer) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: name.utf8)
        out.append("\":")
    }
}
