import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Summarise a log: what ran, what failed, what lingered, what was lost.",
        discussion: """
            Counts records per event; processes started per second over time; the most exec'd \
            programs; the longest- and shortest-lived processes; non-zero exits and signals by \
            program; zombies left unreaped longer than --zombie-threshold and their parents; \
            orphans and who adopted them; lost records. Memory stays bounded however large the \
            log: top lists are kept short and a zombie is remembered only until it is reaped.

            Examples:
              proctrace stats events.jsonl
              proctrace stats --zombie-threshold 1 --json events.jsonl*
            """
    )

    @OptionGroup var input: LogInputOptions

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Report zombies unreaped for longer than this many seconds.", valueName: "seconds"))
    var zombieThreshold: Double = 5

    @Option(parsing: .unconditional, help: ArgumentHelp("Entries in each top list.", valueName: "N"))
    var top: Int = 10

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Flag(help: "Show times in UTC instead of local time.")
    var utc = false

    func validate() throws {
        guard zombieThreshold >= 0, zombieThreshold.isFinite, zombieThreshold < 1e9 else {
            throw ValidationError("--zombie-threshold must be a number of seconds, 0 or more, e.g. 5 or 0.5.")
        }
        guard top > 0 && top <= 10_000 else { throw ValidationError("--top must be between 1 and 10000, not \(top).") }
    }

    func run() throws {
        TerminationSignals.unblock()
        try ReadFailure.reporting(skipping: input.skipInvalid) {
            let reader = try input.makeReader()
            let replayer = LogReplayer()
            let statistics = LogStatistics(zombieThresholdNs: UInt64(zombieThreshold * 1e9), listLength: top)
            do {
                try reader.forEachRecord { event in
                    _ = replayer.process(&event)
                    statistics.add(event, tree: replayer.tree)
                    return true
                }
            } catch let error as LogReadError {
                // The report of what was read before the bad line, then the error.
                try print(statistics.finish(invalidLines: reader.invalidLineCount, forgottenZombies: replayer.forgottenZombies), upTo: reader.location)
                throw error
            }
            try print(statistics.finish(invalidLines: reader.invalidLineCount, forgottenZombies: replayer.forgottenZombies), upTo: nil)
            if reader.invalidLineCount > 0 { reportSkipped(reader) }
        }
    }

    /// Writes the report to standard output; a failed write (a full disk) is an error, not a silent exit 0.
    private func print(_ report: StatisticsReport, upTo location: String?) throws {
        var text = json ? report.json() : report.text(clock: utc ? .utc : .local)
        if let location, !json { text = "Records before \(location), where reading stopped:\n" + text }
        try Array(text.utf8).withUnsafeBytes { try RecordOutput.writeStandardOutput($0) }
    }
}
