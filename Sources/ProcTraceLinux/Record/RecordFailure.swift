/// Why `record` could not begin recording; the command prints it as one line.
public enum RecordFailure: Error, CustomStringConvertible {
    case openingLog(Error)
    /// A journal or syslog output (or its spool) could not be set up.
    case openingNetworkOutput(Error)
    case startingSource(Error)
    case startingMetrics(Error)
    case writingStart(Error)
    /// The sealing key state cannot be used.
    case openingSealKey(Error)
    /// The thread that reviews execs (rules, user names) could not be started.
    case startingReviewer

    public var description: String {
        switch self {
        case .openingLog(let error): return "cannot open the log: \(error)"
        case .openingNetworkOutput(let error), .startingSource(let error), .startingMetrics(let error): return "\(error)"
        case .writingStart(let error): return "cannot write the start record: \(error)"
        case .openingSealKey(let error): return "cannot seal: \(error)"
        case .startingReviewer: return "cannot start the thread that evaluates the rules and names users (pthread_create failed; raise the thread limit)"
        }
    }
}
