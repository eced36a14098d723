import ProcTraceCore
import ProcTraceLinux

/// Puts the configuration file under `record`'s command line: the file's
/// settings become arguments, and options the command line gives win.
enum ConfigArguments {
    /// `arguments` (without the program name), with the configuration file's
    /// settings added for `record`. Exits with every error listed when the file is bad.
    static func expand(_ arguments: [String]) -> [String] {
        guard arguments.first == "record" else { return arguments }
        let commandLine = Array(arguments.dropFirst())
        if commandLine.contains(where: { $0 == "--help" || $0 == "-h" }) { return arguments }
        let explicitPath = configPath(in: commandLine)
        let path = explicitPath ?? ConfigurationFile.defaultPath
        if explicitPath == nil && access(path, F_OK) != 0 {
            return arguments  // no default file: nothing to add
        }
        do {
            let exact = explicitPath == nil ? Array(path.utf8) : RawArguments.exactBytes(of: path, option: "--config")
            let bytes = try ConfigurationFileReader.read(ExactPath(bytes: exact))
            let file = try ConfigurationFile(bytes: bytes, fileName: path)
            return ["record"] + file.merged(under: commandLine)
        } catch let refusal as ConfigurationFileRefusal {
            HostInfo.standardError("proctrace: \(refusal)")
            exit(1)
        } catch let error as ExactPathError {
            HostInfo.standardError("proctrace: --config: \(error)")
            exit(1)
        } catch {
            HostInfo.standardError("\(error)")
            exit(1)
        }
    }

    /// The value of `--config FILE` or `--config=FILE`, if given.
    static func configPath(in commandLine: [String]) -> String? {
        for (index, argument) in commandLine.enumerated() {
            if argument == "--" { break }
            if argument == "--config", index + 1 < commandLine.count { return commandLine[index + 1] }
            if argument.hasPrefix("--config=") { return String(argument.dropFirst("--config=".count)) }
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
