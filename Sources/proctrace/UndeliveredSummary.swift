import ProcTraceLinux

/// The line `record` ends with for an output with a thread of its own (a
/// network output, a file in ECS or OCSF) that lost records or still holds some: how many were delivered, how many were dropped and
/// why, how many wait in the spool for the next run.
enum UndeliveredSummary {
    static func text(_ counters: OutputCounters) -> String {
        var text = "\(counters.sent) records delivered"
        var causes: [String] = []
        if counters.droppedFull > 0 {
            causes.append("\(counters.droppedFull) with the queue full (the receiver was away or slow, --spool-size; "
                          + "or, for a file in ECS or OCSF, the conversion fell behind)")
        }
        if counters.droppedSpoolFailed > 0 {
            causes.append("\(counters.droppedSpoolFailed) the spool could not take (\(counters.spoolError ?? "unknown error"))")
        }
        if counters.droppedWriteFailed > 0 {
            causes.append("\(counters.droppedWriteFailed) the file could not take (\(counters.writeError ?? "unknown error"))")
        }
        if counters.droppedAtStop > 0 {
            causes.append("\(counters.droppedAtStop) not delivered by the stop (lost: no --spool)")
        }
        if counters.dropped > 0 {
            text += ", \(counters.dropped) dropped: " + causes.joined(separator: "; ")
        }
        if counters.waiting > 0 {
            text += ", \(counters.waiting) still waiting in the spool (sent by the next run)"
        }
        return text
    }
}
