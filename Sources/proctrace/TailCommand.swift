import ArgumentParser
import ProcTraceCore

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
            the rest of it is read, then the new file from its start; when it is truncated it is \
            read again from the start.

            Examples:
              proctrace tail events.jsonl
              proctrace tail -n 20 -f /var/log/proctrace/events.jsonl
              proctrace tail --pid 4242 --descendants --event exec,exit events.jsonl*
            """
    )

    @OptionGroup var input: LogInputOptions
    @OptionGroup var filter: FilterOptions
    @OptionGroup var output: OutputOptions

    @Option(name: [.customShort("n"), .long], help: ArgumentHelp("Print only the last N records that match.", valueName: "N"))
    var lines: Int?

    @Flag(name: .shortAndLong, help: "Keep reading as the log grows, across rotation.")
    var follow = false

    /// How long to wait before looking at a followed file again.
    static let followInterval: useconds_t = 200_000

    func validate() throws {
        if let lines, lines < 0 { throw ValidationError("--lines must be 0 or more, not \(lines).") }
    }

    func run() throws {
        try ReadFailure.reporting {
            let reader = try input.makeReader(following: follow)
            let replayer = LogReplayer(filter: try filter.makeFilter())
            let out = output.makeOutput()
            var recent = lines.map { RecentItems<Event>(capacity: $0) }
            while true {
                while var event = try reader.next() {
                    guard replayer.process(&event) else { continue }
                    if recent != nil { recent!.append(event) } else { try out.write(event) }
                }
                if let kept = recent?.elements {
                    for event in kept { try out.write(event) }
                    recent = nil
                }
                try out.flush()
                guard follow else { break }
                usleep(TailCommand.followInterval)
                _ = try reader.checkFollowedFile()
            }
            if reader.invalidLineCount > 0 { reportSkipped(reader) }
        }
    }
}

/// "skipped N invalid lines (the first: FILE:LINE: reason)" on standard error.
func reportSkipped(_ reader: LogReader) {
    StandardError.warn("skipped \(reader.invalidLineCount) invalid line\(reader.invalidLineCount == 1 ? "" : "s")"
                       + (reader.firstInvalidLine.map { " (the first: \($0))" } ?? ""))
}
