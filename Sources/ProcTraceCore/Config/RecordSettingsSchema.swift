/// The keys a configuration file may set: `record`'s command-line options,
/// spelled with `_` (`rotate_size` for `--rotate-size`). Each key turns into
/// the option it stands for, so the file means exactly what the command line
/// means and the command line's own checks apply to it.
public enum RecordSettingsSchema {
    public enum Kind: Sendable {
        /// A string option, optionally one of `choices`.
        case string(choices: [String]?)
        /// An integer option, at least `minimum`.
        case integer(minimum: Int64)
        /// A number of seconds (integer or float), more than 0.
        case seconds
        /// A size: an integer of bytes or a string such as "100M".
        case size
        /// Octal permissions: "0640" or 0o640.
        case fileMode
        /// A flag: true adds `--name`; false adds `--no-name` when the option has that form, else nothing.
        case flag(invertible: Bool)
        /// A repeatable option: one value or an array of them (strings or integers).
        case list(ofIntegers: Bool)
        /// --event: names of records, as one string "fork,exec" or an array.
        case eventList
    }

    public struct Key: Sendable {
        public let name: String
        public let kind: Kind
        /// The long option, with its dashes.
        public var option: String { "--" + name.replacingUnderscores }
        /// Its one-letter form, if any ("-o").
        public let shortOption: String?

        init(_ name: String, _ kind: Kind, short: String? = nil) {
            self.name = name
            self.kind = kind
            shortOption = short
        }
    }

    public static let keys: [Key] = [
        Key("output", .list(ofIntegers: false), short: "-o"),
        Key("format", .list(ofIntegers: false)),
        Key("spool", .string(choices: nil)),
        Key("spool_size", .size),
        Key("tls_ca", .string(choices: nil)),
        Key("tls_cert", .string(choices: nil)),
        Key("tls_key", .string(choices: nil)),
        Key("tls_fingerprint", .string(choices: nil)),
        Key("metrics_listen", .string(choices: nil)),
        Key("duration", .seconds),
        Key("backend", .string(choices: ["auto", "bpf", "netlink"])),
        Key("hooks", .string(choices: ["auto", "fentry", "kprobe", "sched", "syscall"])),
        Key("threads", .flag(invertible: false)),
        Key("max_args_bytes", .integer(minimum: 0)),
        Key("hash_max_bytes", .size),
        Key("hash_wait", .integer(minimum: 0)),
        Key("ring_buffer_size", .size),
        Key("file_mode", .fileMode),
        Key("exclude_self", .flag(invertible: true)),
        Key("rotate_size", .size),
        Key("rotate_keep", .integer(minimum: 1)),
        Key("compress", .flag(invertible: false)),
        Key("pid", .list(ofIntegers: true)),
        Key("descendants", .flag(invertible: false)),
        Key("comm", .list(ofIntegers: false)),
        Key("uid", .list(ofIntegers: true)),
        Key("container", .list(ofIntegers: false)),
        Key("cgroup", .list(ofIntegers: false)),
        Key("auid", .list(ofIntegers: true)),
        Key("event", .eventList),
        Key("redact", .list(ofIntegers: false)),
        Key("keep_capabilities", .flag(invertible: false)),
        Key("seal_key", .string(choices: nil)),
        Key("rules", .list(ofIntegers: false)),
        Key("verbose", .flag(invertible: false), short: "-v"),
    ]

    public static func key(named name: String) -> Key? { keys.first { $0.name == name } }

    /// The known key closest to a misspelt one, if it is close enough to be a likely typo.
    public static func suggestion(for name: String) -> String? {
        let scored = keys.map { ($0.name, EditDistance.between(name, $0.name)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, name.count / 3) ? best.0 : nil
    }

    /// The command-line arguments `entry` stands for, or a message saying
    /// what is wrong with it.
    public static func arguments(for entry: ConfigEntry) -> Result<[String], ConfigKeyProblem> {
        guard let key = key(named: entry.key) else {
            let hint = suggestion(for: entry.key).map { " (did you mean '\($0)'?)" } ?? ""
            return .failure(ConfigKeyProblem("unknown key '\(entry.key)'\(hint)"))
        }
        // An argument is a C string: a NUL would silently cut the path or pattern there.
        if entry.value.containsNUL {
            return .failure(ConfigKeyProblem("'\(key.name)' contains a NUL byte (\\u0000), which no path or argument can hold"))
        }
        func wrongType(_ expected: String) -> Result<[String], ConfigKeyProblem> {
            .failure(ConfigKeyProblem("'\(key.name)' must be \(expected), not \(entry.value.typeName)"))
        }
        switch (key.kind, entry.value) {
        case (.string(let choices), .string(let text)):
            if let choices, !choices.contains(text) {
                return .failure(ConfigKeyProblem("'\(key.name)' must be one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(UntrustedText.escaped(text))\""))
            }
            if text.isEmpty { return .failure(ConfigKeyProblem("'\(key.name)' cannot be empty")) }
            return .success([key.option + "=" + text])
        case (.string, _):
            return wrongType("a string")
        case (.integer(let minimum), .integer(let value)):
            guard value >= minimum else {
                return .failure(ConfigKeyProblem("'\(key.name)' must be at least \(minimum), not \(value)"))
            }
            return .success([key.option + "=" + String(value)])
        case (.integer, _):
            return wrongType("an integer")
        case (.seconds, .integer(let value)) where value > 0:
            return .success([key.option + "=" + String(value)])
        case (.seconds, .float(let value)) where value > 0 && value.isFinite:
            return .success([key.option + "=" + String(value)])
        case (.seconds, _):
            return .failure(ConfigKeyProblem("'\(key.name)' must be a positive number of seconds"))
        // 0 is a size (hash_max_bytes = 0 turns hashing off); the command says which sizes it takes.
        case (.size, .integer(let value)) where value >= 0:
            return .success([key.option + "=" + String(value)])
        case (.size, .string(let text)):
            guard ByteSize(text) != nil else {
                return .failure(ConfigKeyProblem("'\(key.name)' must be a size such as \"100M\", not \"\(UntrustedText.escaped(text))\""))
            }
            return .success([key.option + "=" + text])
        case (.size, _):
            return wrongType("a size such as \"100M\" or a number of bytes")
        case (.fileMode, .string(let text)) where FileMode(text)?.isPermissions == true:
            return .success([key.option + "=" + text])
        case (.fileMode, .integer(let value)) where UInt32(exactly: value).map(FileMode.init(bits:))?.isPermissions == true:
            return .success([key.option + "=" + FileMode(bits: UInt32(value)).description])
        case (.fileMode, _):
            return .failure(ConfigKeyProblem("'\(key.name)' must be octal permissions such as \"0640\" or 0o640"))
        case (.flag(let invertible), .boolean(let on)):
            if on { return .success([key.option]) }
            return .success(invertible ? ["--no-" + key.option.dropFirst(2)] : [])
        case (.flag, _):
            return wrongType("true or false")
        case (.list(let ofIntegers), let value):
            let elements: [ConfigValue]
            if case .array(let array) = value { elements = array } else { elements = [value] }
            var arguments: [String] = []
            for element in elements {
                switch (ofIntegers, element) {
                case (true, .integer(let number)): arguments.append(key.option + "=" + String(number))
                case (false, .string(let text)) where !text.isEmpty: arguments.append(key.option + "=" + text)
                default: return wrongType(ofIntegers ? "an integer or an array of integers"
                                                     : "a non-empty string or an array of them")
                }
            }
            return .success(arguments)
        case (.eventList, let value):
            var names: [String] = []
            switch value {
            case .string(let text): names = text.split(separator: ",").map { String($0.trimmingSpaces) }
            case .array(let array):
                for element in array {
                    guard case .string(let text) = element else { return wrongType("a string or an array of strings") }
                    names.append(text)
                }
            default: return wrongType("a string or an array of strings")
            }
            if let unknown = names.first(where: { EventKind(name: $0) == nil }) {
                return .failure(ConfigKeyProblem("'event': unknown record \"\(UntrustedText.escaped(unknown))\"; choose from "
                    + EventKind.allCases.map(\.name).joined(separator: ", ")))
            }
            return .success(names.isEmpty ? [] : [key.option + "=" + names.joined(separator: ",")])
        }
    }
}

public struct ConfigKeyProblem: Error, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

extension ConfigValue {
    fileprivate var containsNUL: Bool {
        switch self {
        case .string(let text): text.utf8.contains(0)
        case .array(let elements): elements.contains { $0.containsNUL }
        case .integer, .float, .boolean: false
        }
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? "-" : $0 }) }
}
