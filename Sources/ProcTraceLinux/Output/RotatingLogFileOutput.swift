import ProcTraceCore

/// `--output FILE --rotate-size N` in the native format: written on the
/// recording's thread; the recording's rotation follows the file (ECS or
/// OCSF: ConvertedLogFileOutput).
public final class RotatingLogFileOutput: RecordOutput {
    public let name: String
    public let sink: LogSink
    private let file: RotatingFileSink

    init(_ file: RotatingFileSink) {
        self.file = file
        name = file.path.text
        sink = file
    }

    public var rotating: RotatingLogSink? { file }
    public var reopenable: ReopenableLog? { file }

    public func counters(handed: UInt64, failed: UInt64) -> OutputCounters {
        OutputCounters(writtenHere: handed, failed: failed)
    }

    public func report(failed: UInt64?, into outcome: inout RecordOutcome) {
        if let failed, failed > 0 { outcome.failedOutputs.append((name, failed)) }
    }
}
