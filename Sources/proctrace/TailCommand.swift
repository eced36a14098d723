import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print a log's records as readable lines, optionally following it as it grows.",
        discussion: """
            Every record goes through the process tree rebuilt from the log, so a reap shows the \
            name of the process it released and --descendants knows who descends from whom, \
            including children forked after the log began. Names and arguments are escaped so \
            nothing in them can disturb the terminal.

            With --follow the last file is watched by name, like tail -F: when it is rotated away \
            the rest of it is read, then any files rotated away since (FILE.1, FILE.2.gz, ...), \
            then the new file from its start; records rotated away and removed before they could \
            be read are announced. When it is truncated or rewritten it is read again from the start.

            Examples:
              proctrace tail events.jsonl
              proctrace tail -n 20 -f /var/log/proctrace/events.jsonl
              proctrace tail --pid 4242 --descendants --event exec,exit events.jsonl*
            """
    )

    @OptionGroup var input: LogInputOptions
    @OptionGroup var filter: FilterOptions
    @OptionGroup var output: OutputOptions

    @Option(name: [.customShort("n"), .long], parsing: .unconditional,
            help: ArgumentHelp("Print only the last N records that match.", valueName: "N"))
    var lines: Int?

    @Flag(name: .shortAndLong, help: "Keep reading as the log grows, across rotation.")
    var follow = false

    /// How long to wait before looking at a followed file again.
    static let followInterval: useconds_t = 200_000

    func validate() throws {
        if let lines, lines < 0 { throw ValidationError("--lines must be 0 or more, not \(lines).") }
    }

    func run() throws {
        TerminationSignals.unblock()
        let out = output.makeOutput()
        try ReadFailure.reporting(skipping: input.skipInvalid) {
            let tail = LogTail(
                last: lines, follow: follow,
                open: { (try input.makeReader(following: follow), LogReplayer(filter: try filter.makeFilter())) },
                render: out.render, write: RecordOutput.writeStandardOutput,
                pause: { usleep(TailCommand.followInterval) })
            let reader = try tail.run()
            if reader.invalidLineCount > 0 { reportSkipped(reader) }
        }
    }
}

/// "skipped N invalid lines (the first: FILE:LINE: reason)" on standard error.
func reportSkipped(_ reader: LogReader) {
    StandardError.warn("skipped \(reader.invalidLineCount) invalid line\(reader.invalidLineCount == 1 ? "" : "s")"
                       + (reader.firstInvalidLine.map { " (the first: \($0))" } ?? ""))
}
