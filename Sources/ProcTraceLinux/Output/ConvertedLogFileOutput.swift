import ProcTraceCore

/// `--output FILE` (rotating or not), or standard output, in ECS or OCSF:
/// converted and written on a thread of its own (ConvertingFileSink), never
/// on the recording's thread, which only copies each batch into its bounded
/// queue. Like a network output, it counts for itself what it wrote and
/// dropped.
public final class ConvertedLogFileOutput: QueuedRecordOutput {
    public let name: String
    private let converting: ConvertingFileSink
    private let rotates: Bool
    private let watched: Bool

    /// A file (its path reopened by SIGHUP and checked for deletion) or standard output.
    init(_ file: FileSink, name: String, format: OutputFormat, whileBlocked: @escaping () -> Bool,
         notify: @escaping @Sendable (RecordNotice) -> Void) {
        file.whileBlocked = whileBlocked
        self.name = name
        watched = file.path != nil
        rotates = false
        converting = ConvertingFileSink(file, name: name, format: format, watched: watched,
                                        onNotice: { notify(.output($0)) })
    }

    /// A file that rotates by size: the rotation happens on the writer, between the lines it was asked at.
    init(_ file: RotatingFileSink, format: OutputFormat, notify: @escaping @Sendable (RecordNotice) -> Void) {
        name = file.path.text
        watched = true
        rotates = true
        converting = ConvertingFileSink(file, name: name, format: format, watched: true,
                                        maximumBytes: Int(clamping: file.maximumBytes),
                                        onNotice: { notify(.output($0)) })
    }

    public var sink: LogSink { converting }
    public var rotating: RotatingLogSink? { rotates ? converting : nil }
    public var reopenable: ReopenableLog? { watched ? converting : nil }
    public func start() { converting.start() }
    public func stop() { converting.stop() }

    public var queueCounters: OutputCounters { converting.snapshot }
}
