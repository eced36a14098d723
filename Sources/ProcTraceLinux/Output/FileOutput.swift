import ProcTraceCore

/// The file or standard output as `record` wires it: native lines written by
/// the record thread itself (no copy), or ECS/OCSF, converted and written on
/// a thread of its own (ConvertingFileSink), which then alone touches the file.
public struct FileOutput {
    public let name: String
    public let sink: LogSink
    /// What the Recorder rotates (with several outputs, through the fan-out).
    public let rotating: RotatingLogSink?
    /// Checked once a second by the record loop (nil: standard output).
    public let reopenIfDeleted: (() throws -> String?)?
    /// SIGHUP (nil: standard output).
    public let reopen: (() throws -> [String])?
    /// The converting output's thread: started and stopped with the network outputs'.
    public let threaded: ThreadedOutput?

    /// A file that rotates by size.
    public init(_ file: RotatingFileSink, name: String, format: OutputFormat?,
                onNotice: @escaping @Sendable (String) -> Void) {
        self.name = name
        guard let format, format != .proctrace else {
            (sink, rotating, reopenIfDeleted, reopen, threaded) = (file, file, file.reopenIfDeleted, file.reopen, nil)
            return
        }
        let converting = ConvertingFileSink(file, name: name, format: format, watched: true,
                                            maximumBytes: Int(clamping: file.maximumBytes), onNotice: onNotice)
        (sink, rotating, reopenIfDeleted, reopen, threaded) = (converting, converting, converting.checkOutput, converting.reopen, converting)
    }

    /// A file (`watched`: its path is checked and reopened) or standard output.
    public init(_ file: FileSink, name: String, format: OutputFormat?, watched: Bool,
                onNotice: @escaping @Sendable (String) -> Void) {
        self.name = name
        guard let format, format != .proctrace else {
            (sink, rotating, threaded) = (file, nil, nil)
            reopenIfDeleted = watched ? file.reopenIfDeleted : nil
            reopen = watched ? file.reopen : nil
            return
        }
        let converting = ConvertingFileSink(file, name: name, format: format, watched: watched, onNotice: onNotice)
        (sink, rotating, threaded) = (converting, nil, converting)
        if watched {
            reopenIfDeleted = { try converting.checkOutput() }
            reopen = { try converting.reopen() }
        } else {
            (reopenIfDeleted, reopen) = (nil, nil)
        }
    }
}
