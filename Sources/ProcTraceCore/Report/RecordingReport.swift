/// Which part of a recording a report covers: a time window and the
/// processes `filter` keeps (`--pid N --descendants`, …).
public struct ReportSelection {
    public var from: TimeBound?
    public var until: TimeBound?
    public var filter: EventFilter
    /// Zombies unreaped longer than this count as lingering in the summary.
    public var zombieThresholdNs: UInt64
    /// Siblings running one program are drawn as one row from this many on.
    public var groupMinimum: Int

    public init(from: TimeBound? = nil, until: TimeBound? = nil, filter: EventFilter = EventFilter(),
                zombieThresholdNs: UInt64 = 5_000_000_000, groupMinimum: Int = 10) {
        self.from = from
        self.until = until
        self.filter = filter
        self.zombieThresholdNs = zombieThresholdNs
        self.groupMinimum = groupMinimum
    }
}

/// Reads a recording the way `replay` does (every record goes through the one
/// process tree, then the filter; records before the window still build the
/// tree) and gathers the report's rows, groups and `stats` figures.
public enum RecordingReport {
    /// Reads the records `forEachRecord` lends in place (`LogReader.forEachRecord`: a million
    /// records are not copied out of the reader's buffers one by one); `observe` sees each
    /// process record the report keeps, with its row, as it is added.
    public static func build(_ selection: ReportSelection,
                             records forEachRecord: (_ body: (inout Event) throws -> Bool) throws -> Void,
                             observe: ((Event, Int) -> Void)? = nil) throws -> ReportData {
        let replayer = LogReplayer(filter: selection.filter)
        let tables = ReportTables()
        let builder = ReportBuilder(tables: tables)
        let records = ReportRecordColumns(tables: tables)
        let statistics = LogStatistics(zombieThresholdNs: selection.zombieThresholdNs)
        var window: (from: Int64, until: Int64)?
        var windowOpened = selection.from == nil
        var lastTimeRead: Int64?
        var passedUntil = false
        try forEachRecord { event in
            let bounds = window ?? {
                let resolved = (selection.from?.resolved(recordingStart: event.time) ?? Int64.min,
                                selection.until?.resolved(recordingStart: event.time) ?? Int64.max)
                window = resolved
                return resolved
            }()
            if event.time > bounds.until {
                passedUntil = true
                return false
            }
            if event.time != 0 { lastTimeRead = max(lastTimeRead ?? event.time, event.time) }
            if !windowOpened && event.time >= bounds.from {
                windowOpened = true
                addRunning(at: bounds.from, from: replayer, to: builder)
            }
            let kept = replayer.process(&event)
            guard kept, windowOpened else { return true }
            if let (row, strings) = builder.addRecord(event) {
                records.add(event, row: row, of: builder.processes[row], strings: strings)
                observe?(event, row)
            }
            statistics.add(event, tree: replayer.tree)
            return true
        }
        if !windowOpened, let from = window?.from {
            addRunning(at: from, from: replayer, to: builder)
        }
        var start = builder.firstTime ?? lastTimeRead ?? 0
        if let from = window?.from, from != Int64.min { start = from }
        var end = max(start, lastTimeRead ?? start)
        if passedUntil, let until = window?.until { end = until }
        let processes = builder.processes
        return ReportData(processes: processes, records: records, tables: tables,
                          groups: FanOutGroup.find(in: processes, strings: tables.strings,
                                                                 minimumSize: selection.groupMinimum),
                          lost: builder.lost, statistics: statistics.finish(), stream: builder.stream,
                          start: start, end: end)
    }

    /// The processes alive at `time` that the filter keeps, parents first.
    private static func addRunning(at time: Int64, from replayer: LogReplayer, to builder: ReportBuilder) {
        var pending = replayer.tree.roots.reversed().map { $0 }
        while let node = pending.popLast() {
            let event = node.existsEvent(time: time)
            if replayer.filter.matches(event, in: replayer.tree) { builder.addRunning(event, isZombie: node.isZombie) }
            let children = node.children.sorted { ($0.firstSeen, $0.pid) > ($1.firstSeen, $1.pid) }
            pending.append(contentsOf: children)
        }
    }
}
