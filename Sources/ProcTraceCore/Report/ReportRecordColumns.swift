/// The records part of the report's data (docs/report.md, "Data"), encoded as
/// each record is read: a million-record recording is kept as some 16 bytes
/// a record, not as a million events (687 MiB before, issue 27).
///
/// Columns: kind, row, time, seq, comm and ppid, each a difference where it
/// helps, and the rest in one flat payload array by kind. The first record's
/// time is relative to the report's start, known only at the end.
public final class ReportRecordColumns {
    let tables: ReportTables
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
        ReportDataEncoder.appendPayload(of: event, of: process, strings: strings, to: &payload, tables: tables)
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
