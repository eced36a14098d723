/// Something `record` has to tell while it goes on; the command prints each as one line.
public enum RecordNotice: CustomStringConvertible {
    /// Opening the log waits (a FIFO nobody reads yet).
    case waiting(String)
    /// What opening or checking the log found (a mode narrowed, the file deleted and made again).
    case output(String)
    /// One output of several failed; the others go on.
    case outputFailed(name: String, Error)
    /// The first failed write (later ones are only counted).
    case writeFailed(Error)
    case snapshotFailed(Error)
    /// The log cannot be written any more (it was deleted and cannot be made again): recording stops.
    case outputLost(Error)
    /// The source failed: recording stops.
    case readingFailed(Error)
    /// A journal or syslog output: records of an earlier run wait in its spool, or it is in trouble.
    case networkOutput(String)
    case capabilitiesKept(Error)

    public var description: String {
        switch self {
        case .waiting(let what): return "\(what) (Ctrl-C, SIGTERM or --duration end the wait)"
        case .output(let text), .networkOutput(let text): return text
        case .outputFailed(let name, let error): return "\(name): \(error); the other outputs go on, its losses are counted"
        case .writeFailed(let error):
            return "writing the log failed: \(error); records that cannot be written are counted "
                + "and reported in the stop record (free space, or check the output)"
        case .snapshotFailed(let error): return "reading the running processes failed: \(error)"
        case .outputLost(let error): return "\(error)"
        case .readingFailed(let error): return "reading events failed: \(error)"
        case .capabilitiesKept(let error): return "warning: \(error); recording goes on with the capabilities it has"
        }
    }
}
