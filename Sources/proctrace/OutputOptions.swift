import ArgumentParser
import ProcTraceCore

#if canImport(Glibc)
import Glibc
#endif

enum ColorMode: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

/// How read commands print records: readable lines or the JSON itself.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the records as JSON Lines (the log format) instead of readable lines.")
    var json = false

    @Option(help: ArgumentHelp("Colour readable lines: auto (when standard output is a terminal), always, never.",
                               valueName: "when"))
    var color: ColorMode = .auto

    @Flag(help: "Show times in UTC instead of local time.")
    var utc = false

    func makeOutput() -> RecordOutput {
        let useColor = color == .always || (color == .auto && isatty(STDOUT_FILENO) == 1)
        return RecordOutput(json: json, formatter: HumanFormatter(clock: utc ? .utc : .local, useColor: useColor))
    }
}
