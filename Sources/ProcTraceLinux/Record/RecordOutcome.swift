/// How a recording that began ended: what could not be written or delivered.
public struct RecordOutcome {
    /// A journal or syslog output that dropped records or still held some at the stop.
    public struct Undelivered {
        public var name: String
        /// What was sent, dropped (and why) and is still waiting.
        public var counters: OutputCounters
    }

    public var undelivered: [Undelivered] = []
    /// Whether records still waiting are kept in a spool (sent by the next run) or lost.
    public var spooled = false
    /// Other outputs of several (a file, standard output) with records they could not take.
    public var failedOutputs: [(name: String, failed: UInt64)] = []
    /// Records the log as a whole could not take.
    public var unwritten: UInt64 = 0
    /// The log could no longer be written at all, and recording stopped early.
    public var outputLost = false
    /// Reading events failed and recording stopped early.
    public var sourceFailed = false

    /// Any record lost on the way to an output.
    public var isComplete: Bool {
        unwritten == 0 && !outputLost && !sourceFailed && !undelivered.contains { $0.counters.dropped > 0 }
            && failedOutputs.isEmpty
    }
}
