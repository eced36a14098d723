import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-emit a log's records at the pace they were recorded.",
        discussion: """
            Records go through the same process tree as when they were recorded, in order, and \
            come out as readable lines or, with --json, as JSON Lines (with what the tree fills \
            in, like a reap's process name). Records before --from still build the tree but are \
            not printed or waited for.

            --from and --until take an RFC 3339 time (2026-11-23T20:12:46Z) or seconds since \
            the recording began (the first record).

            Examples:
              proctrace replay events.jsonl                       # in real time
              proctrace replay --speed 10 events.jsonl.1 events.jsonl
              proctrace replay --max --json --from 60 --until 120 events.jsonl | jq .
            """
    )

    @OptionGroup var input: LogInputOptions
    @OptionGroup var filter: FilterOptions
    @OptionGroup var output: OutputOptions

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Replay this many times faster than recorded (0.5: half speed). Default 1.",
                               valueName: "factor"))
    var speed: Double?

    @Flag(help: "As fast as possible: no waiting between records.")
    var max = false

    @OptionGroup var timeWindow: TimeWindowOptions

    func validate() throws {
        if max && speed != nil { throw ValidationError("--max and --speed contradict each other; choose one.") }
        if let speed, !(speed > 0 && speed.isFinite) {
            throw ValidationError("--speed must be a positive number, e.g. 2 or 0.5, not \(speed).")
        }
    }

    func run() throws {
        TerminationSignals.unblock()
        let out = output.makeOutput()
        try ReadFailure.reporting(skipping: input.skipInvalid) {
            // With --json, a record the tree did not change whose line is what
            // encoding it gives (the decoding threads check) is written as read.
            let reader = try input.makeReader(keepingCanonicalLines: out.json)
            let replayer = LogReplayer(filter: try filter.makeFilter())
            var pacer = max ? nil : ReplayPacer(speed: speed ?? 1)
            var window = ReplayWindow(from: timeWindow.from, until: timeWindow.until)
            do {
                try reader.forEachRecordWithLine { event, line in
                    let place = window.place(of: event.time)
                    if place == .after { return false }
                    var changed = false
                    let kept = replayer.process(&event, changed: &changed)
                    guard kept, place == .inside else { return true }
                    if let delay = pacer?.delay(before: event.time, now: Clock.nanoseconds(CLOCK_MONOTONIC)), delay > 0 {
                        try out.flush()
                        Clock.sleep(nanoseconds: delay)
                    }
                    if let line, !changed {
                        try out.writeLine(line)
                    } else {
                        try out.write(event)
                    }
                    return true
                }
            } catch {
                // What was read before the bad line goes out first.
                try out.flush()
                throw error
            }
            try out.flush()
            if reader.invalidLineCount > 0 { reportSkipped(reader) }
        }
    }
}
