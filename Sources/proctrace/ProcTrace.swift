import ArgumentParser
import ProcTraceCore

@main
struct ProcTrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proctrace",
        abstract: "Trace process lifecycles (fork, exec, exit, reap) on Linux and log them as JSON Lines.",
        discussion: """
            Records come from eBPF programs on the sched_* tracepoints, or from the netlink \
            proc connector where BPF cannot load. Every record is one JSON object per line; \
            docs/events.md describes them.

            Examples:
              sudo proctrace record                  # to the terminal until Ctrl-C
              sudo proctrace record -o events.jsonl  # append to a file
            """,
        version: ProcTraceVersion.current,
        subcommands: [RecordCommand.self, TreeCommand.self, TailCommand.self, ReplayCommand.self, StatsCommand.self,
                      ReportCommand.self, ConfigCommand.self]
    )

    /// `record` reads its configuration file before the command line is parsed (ConfigArguments).
    static func main() {
        main(ConfigArguments.expand(Array(CommandLine.arguments.dropFirst())))
    }
}
