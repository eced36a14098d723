import ProcTraceCore

/// `--output FILE`, or standard output when no output is given, in the
/// native format: written on the recording's thread, batch by batch, with no
/// copy (ECS or OCSF: ConvertedLogFileOutput).
public final class LogFileOutput: RecordOutput {
    public let name: String
    public let sink: LogSink
    private let file: FileSink

    /// `whileBlocked`: how long a FIFO's or pipe's reader that takes nothing may hold a write.
    init(_ file: FileSink, name: String, whileBlocked: @escaping () -> Bool) {
        self.file = file
        self.name = name
        file.whileBlocked = whileBlocked
        sink = file
    }

    /// Standard output is not reopened: it is not this process's to name again.
    public var reopenable: ReopenableLog? { file.path == nil ? nil : file }

    public func counters(handed: UInt64, failed: UInt64) -> OutputCounters {
        OutputCounters(writtenHere: handed, failed: failed)
    }

    public func report(failed: UInt64?, into outcome: inout RecordOutcome) {
        if let failed, failed > 0 { outcome.failedOutputs.append((name, failed)) }
    }
}
