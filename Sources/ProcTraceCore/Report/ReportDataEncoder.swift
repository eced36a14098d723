/// The report's data (docs/report.md, "Data"), in two parts so the page can
/// draw its first screen before it has read every record:
/// - `main`: one JSON object, a NUL, then the processes' and groups' integer
///   columns in binary (zigzag LEB128 varints; the JSON names each column by
///   its number in `columns`, which holds its byte offset and length);
/// - `records`: the records' columns, the same way (numbers in `record_columns`).
/// Every string is stored once in a table and referred to by index, times as
/// differences. Strings are stored as the log escapes them.
public enum ReportDataEncoder {
    /// Each part as buffers to be read one after another (the columns are not copied into one).
    public static func encode(_ data: ReportData) -> (main: [ByteBuffer], records: [ByteBuffer]) {
        let store = ColumnStore()
        let recordStore = ColumnStore()
        let strings = data.tables.strings
        let credentials = data.tables.credentials
        let sessions = data.tables.sessions
        let out = ByteBuffer(capacity: 1 << 20)
        var writer = ObjectWriter(out: out)

        out.append(UInt8(ascii: "{"))
        writer.key("format")
        JSONStringEscaper.appendQuoted("proctrace-report", to: out)
        writer.number("version", 1)
        writer.key("start")
        out.append(UInt8(ascii: "\""))
        RFC3339.append(nanoseconds: data.start, to: out)
        out.append(UInt8(ascii: "\""))
        writer.number("start_s", data.start.dividedFloor(by: 1_000_000_000))
        writer.number("start_ns", data.start.moduloFloor(by: 1_000_000_000))
        writer.number("end", data.end - data.start)
        writer.number("host", data.stream.map { strings.log(Array($0.host.utf8)) } ?? -1)
        writer.number("backend", data.stream.map { strings.log(Array($0.backend.utf8)) } ?? -1)
        writer.number("kernel", data.stream.map { strings.log(Array($0.kernel.utf8)) } ?? -1)
        writer.column("sources", data.sources.map { strings.log(Array($0.utf8)) })
        writer.number("selection", strings.text(data.selection))

        // Processes: one entry per row in every column.
        let processes = data.processes
        var previousBegin = data.start
        writer.key("p")
        out.append(UInt8(ascii: "{"))
        var columns = ObjectWriter(out: out, store: store)
        columns.column("pid", processes.map { Int64($0.pid) })
        columns.column("ppid", processes.map { Int64($0.ppid) })
        columns.column("st_s", processes.map { Int64($0.startTime / 1_000_000_000) })
        columns.column("st_ns", processes.map { Int64($0.startTime % 1_000_000_000) })
        columns.column("parent", processes.map { Int64($0.parent ?? -1) })
        columns.column("origin", processes.map { Int64($0.origin.rawValue) })
        columns.column("begin", processes.map { process in
            defer { previousBegin = process.begin }
            return process.begin - previousBegin
        })
        columns.column("exit", processes.map { process in process.exitTime.map { $0 - process.begin } ?? -1 })
        columns.column("reap", processes.map { process in process.reapTime.map { $0 - process.begin } ?? -1 })
        columns.column("outcome", processes.map { Int64($0.outcome.rawValue) })
        columns.column("status", processes.map { process in process.exitStatus.map { strings.text($0.summary) } ?? -1 })
        columns.column("comm", processes.map { strings.log($0.comm.bytes) })
        columns.column("file", processes.map(\.file))
        columns.column("argv", processes.map(\.argv))
        columns.column("flags", processes.map { Int64(($0.isKernelThread ? 1 : 0) | ($0.argvTruncated ? 2 : 0)) })
        columns.column("dur", processes.map { process in process.durationNs.map { Int64($0) } ?? -1 })
        columns.column("cred", processes.map { process in process.credentials.map { credentials.index($0) } ?? -1 })
        columns.column("sess", processes.map { process in process.session.map { sessions.index($0) } ?? -1 })
        columns.column("reaper", processes.map { process in process.reaper.map { Int64($0) } ?? -1 })
        columns.column("reason", processes.map { Int64($0.reapReason?.rawValue ?? 0) })
        columns.column("adopted", processes.map { process in process.adoptedBy.map { Int64($0) } ?? -1 })
        out.append(UInt8(ascii: "}"))

        // Records: who, what, when, in log order (encoded while the recording was read).
        writer.key("r")
        out.append(UInt8(ascii: "{"))
        columns = ObjectWriter(out: out, store: recordStore)
        data.records.write(start: data.start, to: &columns)
        out.append(UInt8(ascii: "}"))

        writer.key("g")
        out.append(UInt8(ascii: "{"))
        columns = ObjectWriter(out: out, store: store)
        columns.column("parent", data.groups.map { Int64($0.parent ?? -1) })
        columns.column("label", data.groups.map { strings.text($0.label) })
        columns.column("program", data.groups.map { strings.text($0.program) })
        columns.column("n", data.groups.map { Int64($0.members.count) })
        columns.column("m", data.groups.flatMap { $0.members.map(Int64.init) })
        out.append(UInt8(ascii: "}"))

        writer.column("lost", data.lost.flatMap { [$0.time - data.start, $0.count.map { Int64($0) } ?? -1] })
        writer.key("summary")
        SummaryEncoder.append(data.statistics, to: out, strings: strings)

        writer.column("creds", credentials.values.flatMap { c in [c.uid, c.euid, c.suid, c.gid, c.egid, c.sgid].map(Int64.init) })
        writer.column("sessions", sessions.values.flatMap { [Int64($0.sid), Int64($0.pgid)] })
        // Last: every string the indices above refer to (room for all of them at once: growing
        // by doubling would hold twice their size).
        writer.key("strings")
        out.reserve(strings.values.reduce(16) { $0 + quotedLength(ofEscaped: $1) + 1 })
        out.append(UInt8(ascii: "["))
        for (index, text) in strings.values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            text.withUnsafeBytes { JSONStringEscaper.appendQuoted($0, to: out) }
        }
        out.append(UInt8(ascii: "]"))
        writer.key("columns")
        appendTable(store, to: out)
        writer.key("record_columns")
        appendTable(recordStore, to: out)
        out.append(UInt8(ascii: "}"))
        out.append(0)
        return ([out] + store.parts, recordStore.parts)
    }

    /// The length of `"text"` as `appendQuoted` writes it, for text escaped already: only its
    /// quotes and backslashes are escaped again.
    private static func quotedLength(ofEscaped text: [UInt8]) -> Int {
        text.reduce(text.count + 2) { $0 + ($1 == UInt8(ascii: "\"") || $1 == UInt8(ascii: "\\") ? 1 : 0) }
    }

    /// [[offset, count], …] of each column in `store`.
    private static func appendTable(_ store: ColumnStore, to out: ByteBuffer) {
        out.append(UInt8(ascii: "["))
        for (index, column) in store.columns.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "["))
            out.appendDecimal(Int64(column.offset))
            out.append(UInt8(ascii: ","))
            out.appendDecimal(Int64(column.count))
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
    }
}

/// Stands for "null" where a value is stored as a difference (so -1 is a value): -2^51, whose zigzag
/// code (2^52 - 1) JavaScript's numbers still hold exactly.
let absentDifference: Int64 = -2_251_799_813_685_248

/// Strings by index, each stored once. Used by one thread (no run-time exclusivity checks).
final class StringTable {
    @exclusivity(unchecked) private(set) var values: [[UInt8]] = []
    @exclusivity(unchecked) private var indices: [Key: Int64] = [:]

    /// Hashes its bytes as one block (an array of bytes hashes byte by byte).
    private struct Key: Hashable {
        let bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// Names looked up already, by value: every record has one, and hashing 16 bytes
    /// in place is cheaper than escaping them into an array first.
    @exclusivity(unchecked) private var commIndices: [Comm: Int64] = [:]

    /// Bytes from the log, stored as the log escapes them.
    func log(_ bytes: [UInt8]) -> Int64 { text(ReportEscaping.logText(bytes)) }

    /// A process name, stored as the log escapes it.
    func log(_ comm: Comm) -> Int64 {
        if let index = commIndices[comm] { return index }
        let index = log(comm.bytes)
        commIndices[comm] = index
        return index
    }

    /// An argument vector, stored as the log writes the array.
    func argv(_ argv: ArgumentVector) -> Int64 { text(ReportEscaping.logText(argv)) }

    /// Text proctrace wrote itself (or already escaped), stored as is.
    func text(_ string: String) -> Int64 { text(Array(string.utf8)) }

    func text(_ bytes: [UInt8]) -> Int64 {
        let key = Key(bytes: bytes)
        if let index = indices[key] { return index }
        let index = Int64(values.count)
        values.append(bytes)
        indices[key] = index
        return index
    }
}

/// Values by index, each stored once.
final class IndexTable<Value: Hashable> {
    private(set) var values: [Value] = []
    private var indices: [Value: Int64] = [:]

    func index(_ value: Value) -> Int64 {
        if let index = indices[value] { return index }
        let index = Int64(values.count)
        values.append(value)
        indices[value] = index
        return index
    }
}

/// Integer columns as zigzag LEB128 varints, one after another: a byte per
/// small value, and far faster for the page to read than JSON numbers. The
/// bytes are `parts`, in order: what `add([Int64])` encodes here, and the
/// buffers of columns encoded already (not copied: a million records' columns
/// are tens of MB).
final class ColumnStore {
    private(set) var parts: [ByteBuffer] = []
    /// The bytes of every part.
    private(set) var length = 0
    private(set) var columns: [(offset: Int, count: Int)] = []
    /// The part `add([Int64])` appends to, while it is the last one.
    private var own: ByteBuffer?

    /// Appends `values`; returns the column's number.
    func add(_ values: [Int64]) -> Int {
        let target = own ?? {
            let buffer = ByteBuffer(capacity: max(64 * 1024, values.count * 2))
            parts.append(buffer)
            own = buffer
            return buffer
        }()
        let before = target.count
        target.reserve(values.count * 2)
        for value in values { VarintColumn.encode(value, to: target) }
        return added(count: values.count, bytes: target.count - before)
    }

    /// Appends a column encoded already, `first` before its values; returns its number.
    func add(_ column: VarintColumn, first: Int64? = nil) -> Int {
        var bytes = 0
        if let first {
            let head = ByteBuffer(capacity: 16)
            VarintColumn.encode(first, to: head)
            parts.append(head)
            bytes += head.count
        }
        parts.append(column.bytes)
        own = nil
        return added(count: column.count + (first == nil ? 0 : 1), bytes: bytes + column.bytes.count)
    }

    private func added(count: Int, bytes: Int) -> Int {
        columns.append((length, count))
        length += bytes
        return columns.count - 1
    }
}

/// `"name":value` pairs with the commas between them. With a store, columns go
/// there and the pair's value is the column's number.
struct ObjectWriter {
    let out: ByteBuffer
    let store: ColumnStore?
    private var needsComma = false

    init(out: ByteBuffer, store: ColumnStore? = nil) {
        self.out = out
        self.store = store
    }

    mutating func key(_ name: StaticString) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
        out.append(UInt8(ascii: "\""))
        out.append(name)
        out.append("\":")
    }

    mutating func number(_ name: StaticString, _ value: Int64) {
        key(name)
        out.appendDecimal(value)
    }

    /// A column encoded already (`first` before its values): only with a store.
    mutating func column(_ name: StaticString, _ values: VarintColumn, first: Int64? = nil) {
        key(name)
        out.appendDecimal(Int64(store!.add(values, first: first)))
    }

    mutating func column(_ name: StaticString, _ values: [Int64]) {
        key(name)
        if let store {
            out.appendDecimal(Int64(store.add(values)))
            return
        }
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendDecimal(value)
        }
        out.append(UInt8(ascii: "]"))
    }
}

extension Int64 {
    func dividedFloor(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }

    func moduloFloor(by divisor: Int64) -> Int64 {
        let remainder = self % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}
