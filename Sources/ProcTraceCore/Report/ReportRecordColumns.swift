/// The records part of the report's data (docs/report.md, "Data"), encoded as
/// each record is read: a million-record recording is kept as some 16 bytes
/// a record, not as a million events (687 MiB before, issue 27).
///
/// Columns: kind, row, time, seq, comm and ppid, each a difference where it
/// helps, and the rest in one flat payload array: for each record the fields
/// its kind carries (ReportRecordField.fields(of:), which the page reads from
/// the schema element), in order. A field the log leaves out when it has no
/// value (`written` false) is in the payload only when it has one, and a mask
/// before the record's values says which (bit k: the k-th such field), so an
/// exit or reap record does not carry its usually absent credentials, session
/// and flags. The first record's time is relative to the report's start,
/// known only at the end.
public final class ReportRecordColumns {
    let tables: ReportTables
    /// Every kind's fields one after another, by EventKind.rawValue; where each kind's start, and one more at the end.
    private let fields: [(field: ReportRecordField, written: Bool)]
    private let fieldsStart: [Int]
    /// Per kind, whether it has a field the log may leave out (then its records have a mask).
    private let hasMask: [Bool]
    // Used by one thread: no run-time exclusivity checks (a call per access, for every record).
    @exclusivity(unchecked) private var kinds = VarintColumn(), rows = VarintColumn(), times = VarintColumn()
    @exclusivity(unchecked) private var seqs = VarintColumn(), comms = VarintColumn(), parents = VarintColumn()
    @exclusivity(unchecked) private var payload = VarintColumn(capacity: 256 * 1024)
    @exclusivity(unchecked) private var firstTime: Int64?
    @exclusivity(unchecked) private var previousRow: Int64 = 0
    @exclusivity(unchecked) private var previousTime: Int64 = 0
    @exclusivity(unchecked) private var previousSeq: UInt64 = 0

    init(tables: ReportTables) {
        self.tables = tables
        let kinds = EventKind.allCases.map { ReportRecordField.fields(of: $0) }
        fields = kinds.flatMap { $0 }
        fieldsStart = kinds.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        hasMask = kinds.map { $0.contains { !$0.written } }
    }

    public var count: Int { kinds.count }

    /// Adds a process record of row `row`, whose row is `process` (begin and
    /// ppid are fixed when a row starts), with its strings interned by the builder.
    func add(_ event: Event, row: Int, of process: ReportProcess, strings: ReportBuilder.RecordStrings) {
        kinds.append(Int64(event.kind.rawValue))
        rows.append(Int64(row) - previousRow)
        previousRow = Int64(row)
        if firstTime == nil { firstTime = event.time } else { times.append(event.time - previousTime) }
        previousTime = event.time
        seqs.append(Int64(bitPattern: event.seq &- previousSeq))
        previousSeq = event.seq
        comms.append(strings.comm)
        parents.append(Int64(event.ppid) - Int64(process.ppid))
        let kind = Int(event.kind.rawValue)
        let start = fieldsStart[kind], end = fieldsStart[kind + 1]
        guard hasMask[kind] else {
            for index in start..<end {
                payload.append(fields[index].field.value(of: event, in: process, strings: strings, tables: tables))
            }
            return
        }
        // Each value once (an index is a table lookup), on the stack until the mask is known.
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: end - start) { values in
            var mask: Int64 = 0, bit: Int64 = 1
            for index in start..<end {
                let (field, written) = fields[index]
                let value = field.value(of: event, in: process, strings: strings, tables: tables)
                values[index - start] = value
                if written { continue }
                if value != field.none { mask |= bit }
                bit <<= 1
            }
            payload.append(mask)
            for index in start..<end where fields[index].written || values[index - start] != fields[index].field.none {
                payload.append(values[index - start])
            }
        }
    }

    /// The columns one after another in the writer's store, in the order the page reads them (k p t s c pp x).
    func write(start: Int64, to writer: inout ObjectWriter) {
        writer.column("k", kinds)
        writer.column("p", rows)
        writer.column("t", times, first: firstTime.map { $0 - start })
        writer.column("s", seqs)
        writer.column("c", comms)
        writer.column("pp", parents)
        writer.column("x", payload)
    }
}
