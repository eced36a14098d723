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
        guard let bytes = FileIO.readSmallFile(file) else {
            HostInfo.standardError("proctrace: cannot read \(file)")
            throw ExitCode(1)
        }
        let name = file
        let configFile: ConfigurationFile
        do {
            configFile = try ConfigurationFile(text: String(decoding: bytes, as: UTF8.self), fileName: name)
        } catch {
            HostInfo.standardError("\(error)")
            throw ExitCode(1)
        }
        // Settings that are each fine may still conflict (rotate_size without output).
        do {
            _ = try RecordCommand.parse(configFile.arguments)
        } catch {
            let message = RecordCommand.message(for: error)
            HostInfo.standardError(ConfigError(file: name, line: nil, message: message).description)
            throw ExitCode(1)
        }
        print("\(name): OK (\(configFile.entries.count) settings)")
        print((["proctrace", "record"] + configFile.arguments).map(ConfigCheckCommand.shellQuoted).joined(separator: " "))
    }

    static func shellQuoted(_ word: String) -> String {
        let plain = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=,:@+%".contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.split(separator: "'", omittingEmptySubsequences: false)
            .joined(separator: "'\\''") + "'"
    }
}
