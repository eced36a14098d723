import ArgumentParser
import ProcTraceCore

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

    @Option(help: ArgumentHelp("Report zombies unreaped for longer than this many seconds.", valueName: "seconds"))
    var zombieThreshold: Double = 5

    @Option(help: ArgumentHelp("Entries in each top list.", valueName: "N"))
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
        try ReadFailure.reporting {
            let reader = try input.makeReader()
            let replayer = LogReplayer()
            let statistics = LogStatistics(zombieThresholdNs: UInt64(zombieThreshold * 1e9), listLength: top)
            while var event = try reader.next() {
                _ = replayer.process(&event)
                statistics.add(event, tree: replayer.tree)
            }
            let report = statistics.finish(invalidLines: reader.invalidLineCount)
            print(json ? report.json() : report.text(clock: utc ? .utc : .local), terminator: "")
            if reader.invalidLineCount > 0 { reportSkipped(reader) }
        }
    }
}
