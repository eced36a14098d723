/// A `record` configuration file (default /etc/proctrace/proctrace.toml),
/// parsed, checked key by key, and turned into the command-line arguments
/// it stands for.
public struct ConfigurationFile {
    public static let defaultPath = "/etc/proctrace/proctrace.toml"

    public let entries: [ConfigEntry]
    /// Per entry, in order: the arguments it stands for.
    public let argumentsByEntry: [(entry: ConfigEntry, arguments: [String])]

    /// The largest file read: a configuration is a few dozen lines, and a
    /// bigger file is refused whole rather than read in part.
    public static let maximumBytes = 1 << 20

    /// Parses and checks the file's bytes, which must be UTF-8 (as TOML is):
    /// a repaired byte would silently change a path or a redact pattern.
    public init(bytes: [UInt8], fileName: String) throws {
        var errors: [ConfigError] = []
        for (index, line) in bytes.split(separator: 0x0a, omittingEmptySubsequences: false).enumerated()
        where !line.elementsEqual(String(decoding: line, as: UTF8.self).utf8) {
            errors.append(ConfigError(file: fileName, line: index + 1,
                                      message: "not valid UTF-8: \(UntrustedText.escaped(line.prefix(60)))"))
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        try self.init(text: String(decoding: bytes, as: UTF8.self), fileName: fileName)
    }

    /// Parses and checks `text`; throws ConfigErrors listing every problem.
    public init(text: String, fileName: String) throws {
        var errors: [ConfigError]
        (entries, errors) = TOMLSubsetParser(fileName: fileName).parseCollectingErrors(text)
        var converted: [(ConfigEntry, [String])] = []
        for entry in entries {
            switch RecordSettingsSchema.arguments(for: entry) {
            case .success(let arguments): converted.append((entry, arguments))
            case .failure(let problem): errors.append(ConfigError(file: fileName, line: entry.line, message: problem.message))
            }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors.sorted { ($0.line ?? 0) < ($1.line ?? 0) }) }
        argumentsByEntry = converted
    }

    /// Every setting as command-line arguments, in file order.
    public var arguments: [String] { argumentsByEntry.flatMap(\.arguments) }

    /// The file's arguments for the settings `commandLine` does not give
    /// (the command line wins, whole: `--pid 7` there replaces the file's
    /// `pid = [1, 2]`), followed by `commandLine`.
    public func merged(under commandLine: [String]) -> [String] {
        let given = ConfigurationFile.optionsGiven(in: commandLine)
        var result: [String] = []
        for (entry, arguments) in argumentsByEntry {
            guard let key = RecordSettingsSchema.key(named: entry.key) else { continue }
            let spellings = [key.option, "--no-" + key.option.dropFirst(2)] + (key.shortOption.map { [$0] } ?? [])
            if spellings.contains(where: given.contains) { continue }
            result += arguments
        }
        return result + commandLine
    }

    /// The options a command line gives ("--output", "-o", "--no-exclude-self"), up to a `--`.
    static func optionsGiven(in commandLine: [String]) -> Set<String> {
        var options = Set<String>()
        for argument in commandLine {
            if argument == "--" { break }
            if argument.hasPrefix("--") {
                options.insert(String(argument.prefix { $0 != "=" }))
            } else if argument.hasPrefix("-"), argument.count >= 2 {
                for letter in argument.dropFirst() { options.insert("-\(letter)") }
            }
        }
        return options
    }
}
