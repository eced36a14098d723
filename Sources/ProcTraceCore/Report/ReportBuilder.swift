/// Turns the records a report covers, in log order, into process rows: each
/// row nested under the process that started it, with the times its bar
/// needs. The records themselves are not kept: `add` says which row each
/// process record belongs to, and its strings' indices in the string table
/// (interned as it is read), for the caller to encode it at once.
///
/// Rows are identified as the tree identifies processes, by (pid, start
/// time): a fork at a PID still in use starts a new row (the old lifetime's
/// reap went unseen), and a reaped row never receives another record.
// One thread builds a report: the run-time exclusivity checks (a call per property access,
// for every record) are left out.
public final class ReportBuilder {
    @exclusivity(unchecked) public private(set) var processes: [ReportProcess] = []
    @exclusivity(unchecked) public private(set) var lost: [LostMark] = []
    @exclusivity(unchecked) public private(set) var stream: StreamInfo?
    /// Times of the first and last record added.
    @exclusivity(unchecked) public private(set) var firstTime: Int64?
    @exclusivity(unchecked) public private(set) var lastTime: Int64?

    /// The current row of each PID that has not been reaped.
    @exclusivity(unchecked) private var rowByPid: [Int32: Int] = [:]
    let tables: ReportTables

    init(tables: ReportTables) {
        self.tables = tables
    }

    /// A process record's strings as string-table indices (-1: none), interned in this order.
    struct RecordStrings {
        var comm: Int64
        var file: Int64 = -1
        var argv: Int64 = -1
    }

    /// Adds one record the report covers; for a process record, its row and its strings.
    func addRecord(_ event: Event) -> (row: Int, strings: RecordStrings)? {
        if event.time != 0 {
            if firstTime == nil { firstTime = event.time }
            lastTime = max(lastTime ?? event.time, event.time)
        }
        switch event.kind {
        case .start:
            stream = stream ?? event.stream
            return nil
        case .lost:
            lost.append(LostMark(time: event.time, count: event.lostCount))
            return nil
        case .stop, .resync, .execFailed:
            // A failed exec leaves the process as it was; the page does not show attempts.
            return nil
        default:
            break
        }
        let row: Int
        switch event.kind {
        case .fork: row = newRow(for: event, origin: .fork)
        case .exists: row = newRow(for: event, origin: .exists)
        default: row = currentRow(for: event) ?? newRow(for: event, origin: .unseen)
        }
        var strings = RecordStrings(comm: tables.strings.log(event.comm))
        if event.kind == .exec || event.kind == .exists { (strings.file, strings.argv) = program(of: event) }
        update(row, with: event, strings: strings)
        return (row, strings)
    }

    /// The file and arguments an exec or `exists` record names, interned.
    private func program(of event: Event) -> (file: Int64, argv: Int64) {
        (event.filename.map { tables.strings.log($0) } ?? -1, event.argv.map { tables.strings.argv($0) } ?? -1)
    }

    /// Adds a process that is alive when the report's window begins, described
    /// by an `exists`-like event the caller made from the tree at that moment.
    public func addRunning(_ event: Event, isZombie: Bool) {
        let row = newRow(for: event, origin: .beforeWindow)
        let (file, argv) = program(of: event)
        update(row, with: event, strings: RecordStrings(comm: -1, file: file, argv: argv))
        if isZombie {
            processes[row].exitTime = event.time
            processes[row].exitStatus = event.exitStatus
        }
    }

    private func currentRow(for event: Event) -> Int? {
        guard let row = rowByPid[event.pid] else { return nil }
        let known = processes[row].startTime
        guard ProcessID.startTimesAgree(known, event.startTime) else { return nil }
        return row
    }

    private func newRow(for event: Event, origin: ReportProcess.Origin) -> Int {
        let index = processes.count
        var parent: Int?
        if let candidate = rowByPid[event.ppid], candidate != index, processes[candidate].pid != event.pid {
            let parentStart = processes[candidate].startTime
            // A parent is older than its child: a younger process at that PID is a recycled PID.
            if parentStart == 0 || event.startTime == 0 || parentStart <= event.startTime { parent = candidate }
        }
        processes.append(ReportProcess(pid: event.pid, ppid: event.ppid, startTime: event.startTime, parent: parent,
                                       origin: origin, begin: event.time, comm: event.comm))
        if let parent { processes[parent].children.append(index) }
        rowByPid[event.pid] = index
        return index
    }

    private func update(_ row: Int, with event: Event, strings: RecordStrings) {
        var process = processes[row]
        defer { processes[row] = process }
        if process.startTime == 0 { process.startTime = event.startTime }
        if !event.comm.isEmpty { process.comm = event.comm }
        switch event.kind {
        case .exists:
            process.file = strings.file
            process.argv = strings.argv
            process.argvTruncated = event.argvTruncated
            process.credentials = event.credentials ?? process.credentials
            process.session = event.session ?? process.session
            process.isKernelThread = event.isKernelThread
            if event.state == UInt8(ascii: "Z") {
                process.exitTime = event.time
                process.exitStatus = event.exitStatus
            }
        case .fork:
            process.credentials = event.credentials ?? process.credentials
            process.session = event.session ?? process.session
        case .exec:
            process.file = strings.file
            process.argv = strings.argv
            process.argvTruncated = event.argvTruncated
            process.credentials = event.credentials ?? process.credentials
            process.session = event.session ?? process.session
        case .exit:
            process.exitTime = event.time
            process.exitStatus = event.exitStatus
            process.durationNs = event.durationNs
        case .reap:
            process.reapTime = event.time
            process.reaper = event.reaper
            process.reapReason = event.reapReason
            rowByPid[event.pid] = nil
        case .reparent:
            process.adoptedBy = event.ppid
        case .cred:
            process.credentials = event.credentials ?? process.credentials
        case .session:
            process.session = event.session ?? process.session
        case .start, .stop, .lost, .resync, .comm, .threadStart, .threadExit, .execFailed, .warning, .seal, .alert, .user:
            break
        }
    }
}

/// A `lost` record: the kernel could not deliver `count` records (nil: unknown how many).
public struct LostMark: Equatable, Sendable {
    public var time: Int64
    public var count: UInt64?
}
