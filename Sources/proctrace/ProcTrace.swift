import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

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
        subcommands: [RecordCommand.self, TreeCommand.self, TailCommand.self, ReplayCommand.self, StatsCommand.self, HuntCommand.self,
                      ReportCommand.self, ConvertCommand.self, ConfigCommand.self, SealCommand.self, VerifyCommand.self]
    )

    /// `record` reads its configuration file before the command line is parsed (ConfigArguments).
    /// Errors are printed as ArgumentParser prints them, each line made
    /// terminal-safe: they quote the values given ("The value '…' is
    /// invalid"), which anyone who wrote a script or a configuration file chose.
    static func main() {
        let arguments = ConfigArguments.expand(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
            } else if !message.isEmpty {
                let escaped = message.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { UntrustedText.terminalSafe(String($0)) }.joined(separator: "\n")
                HostInfo.standardError(escaped)
            }
            Glibc.exit(code.rawValue)
        }
    }
}
