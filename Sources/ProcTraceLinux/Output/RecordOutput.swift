import ProcTraceCore

/// One place `record` writes to (a file, standard output, the journal, a
/// syslog receiver), describing itself to the session that wires it: its
/// sink, what it reopens, whether it delivers on a thread of its own, and
/// its counters for the metrics and the stop's report. The session asks
/// these, never the output's type; a new output is a new conformance and a
/// line in `RecordOutputs.open`.
public protocol RecordOutput: AnyObject {
    /// How the metrics and the stop's report name it.
    var name: String { get }
    /// What the Recorder (or the fan-out, with several) writes to.
    var sink: LogSink { get }
    /// The file it rotates, if it does: the recording's rotation follows it.
    var rotating: RotatingLogSink? { get }
    /// The log file SIGHUP reopens and a deletion is checked on; nil: none.
    var reopenable: ReopenableLog? { get }

    /// Starts what delivers on a thread of its own (after the capability
    /// drop: a thread keeps the capabilities it was created with).
    func start()
    /// Delivers what it can within the stop's grace, then stops. Idempotent.
    func stop()

    /// Its counters: `handed` records were handed to it, `failed` of them it
    /// could not take (counted by the fan-out, or the Recorder's when alone).
    func counters(handed: UInt64, failed: UInt64) -> OutputCounters
    /// Says in the stop's report what it lost or still holds. `failed`: as
    /// for `counters`, nil when it is the only output (the Recorder's own
    /// `unwritten` says it then).
    func report(failed: UInt64?, into outcome: inout RecordOutcome)
}

extension RecordOutput {
    public var rotating: RotatingLogSink? { nil }
    public var reopenable: ReopenableLog? { nil }
    public func start() {}
    public func stop() {}
}

/// An output that delivers from a queue of its own (a receiver's, a
/// converting file's): its counters are its queue's, whatever the Recorder
/// handed it, and the stop's report names it when it dropped or still holds records.
public protocol QueuedRecordOutput: RecordOutput {
    /// What its receiver or file has, what waits, what it dropped and why.
    var queueCounters: OutputCounters { get }
}

extension QueuedRecordOutput {
    public func counters(handed: UInt64, failed: UInt64) -> OutputCounters { queueCounters }

    public func report(failed: UInt64?, into outcome: inout RecordOutcome) {
        let counts = queueCounters
        if counts.dropped > 0 || counts.waiting > 0 {
            outcome.undelivered.append(.init(name: name, counters: counts))
        }
    }
}

/// A log file that SIGHUP reopens (logrotate) and that is made again if deleted.
public protocol ReopenableLog: AnyObject {
    /// Opens the path again and writes there; returns what opening changed.
    func reopen() throws -> [String]
    /// When the file was deleted, makes it again; returns a notice saying so.
    func reopenIfDeleted() throws -> String?
}

extension FileSink: ReopenableLog {}
extension RotatingFileSink: ReopenableLog {}

extension OutputCounters {
    /// An output written on the recording's thread: what it did not fail to take it has.
    init(writtenHere handed: UInt64, failed: UInt64) {
        self.init()
        sent = handed - min(failed, handed)
        dropped = failed
    }
}
