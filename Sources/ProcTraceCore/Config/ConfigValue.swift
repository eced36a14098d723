/// A value in a configuration file (the TOML subset docs/service.md describes).
public enum ConfigValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([ConfigValue])

    /// How an error message names the value's type.
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .boolean: "a boolean"
        case .array: "an array"
        }
    }
}

/// One `key = value` line.
public struct ConfigEntry: Equatable, Sendable {
    public let key: String
    public let value: ConfigValue
    /// 1-based line number in the file.
    public let line: Int

    public init(key: String, value: ConfigValue, line: Int) {
        self.key = key
        self.value = value
        self.line = line
    }
}

/// A problem in a configuration file, printed the way compilers print them
/// (the file name escaped; `message` quotes file content already escaped):
/// `proctrace.toml:7: unknown key 'rotate_sise' (did you mean 'rotate_size'?)`.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public let file: String
    /// nil for a problem of the file as a whole (settings that conflict).
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        let name = UntrustedText.escaped(file)
        return line.map { "\(name):\($0): \(message)" } ?? "\(name): \(message)"
    }
}

/// Every error found in one file (checking goes on past the first).
public struct ConfigErrors: Error, CustomStringConvertible {
    public let errors: [ConfigError]

    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
