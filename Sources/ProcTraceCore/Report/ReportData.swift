/// Everything the report page draws, built from a recording by `RecordingReport`.
public struct ReportData {
    public var processes: [ReportProcess]
    /// The process records, in log order, encoded as they were read.
    public var records: ReportRecordColumns
    /// The strings, credentials and sessions the records refer to; the rows add theirs.
    var tables: ReportTables
    public var groups: [FanOutGroup]
    public var lost: [LostMark]
    /// The `stats` figures for the same records.
    public var statistics: StatisticsReport
    public var stream: StreamInfo?
    /// The time axis: the window's (or recording's) first and last moment, ns since the epoch.
    public var start: Int64
    public var end: Int64
    /// The files it was made from, and the selection, for the page's heading.
    public var sources: [String] = []
    public var selection: String = ""
}
