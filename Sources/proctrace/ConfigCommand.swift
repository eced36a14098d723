import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration file for record.",
        subcommands: [ConfigCheckCommand.self]
    )
}

struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a record configuration file; print the command line it stands for.",
        discussion: """
            Every problem is reported with its line, as FILE:LINE: message, and the exit status is 1. \
            A valid file prints the `record` arguments it stands for. docs/service.md lists the keys.

            Examples:
              proctrace config check /etc/proctrace/proctrace.toml
            """
    )

    @Argument(help: ArgumentHelp("The file (default: \(ConfigurationFile.defaultPath)).", valueName: "file"))
    var file: String = ConfigurationFile.defaultPath

    func run() throws {
        let name = file
        let configFile: ConfigurationFile
        do {
            let path = try ExactPath(bytes: RawArguments.exactBytes(ofArgument: file))
            configFile = try ConfigurationFile(bytes: try ConfigurationFileReader.read(path), fileName: name)
        } catch let refusal as ConfigurationFileRefusal {
            HostInfo.standardError("proctrace: \(refusal)")
            throw ExitCode(1)
        } catch let error as ExactPathError {
            HostInfo.standardError("proctrace: \(error)")
            throw ExitCode(1)
        } catch {
            HostInfo.standardError("\(error)")
            throw ExitCode(1)
        }
        // Settings that are each fine may still conflict (rotate_size without output).
        do {
            _ = try RecordCommand.parse(configFile.arguments)
        } catch {
            let message = RecordCommand.message(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                .map { UntrustedText.escaped(String($0)) }.joined(separator: "\n")
            HostInfo.standardError(ConfigError(file: name, line: nil, message: message).description)
            throw ExitCode(1)
        }
        print("\(UntrustedText.escaped(name)): OK (\(configFile.entries.count) settings)")
        print((["proctrace", "record"] + configFile.arguments).map { TerminalEscaper.shellQuoted($0.utf8) }.joined(separator: " "))
    }
}
