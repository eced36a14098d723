import ProcTraceCore

/// A file name as the kernel takes it: bytes, exact (not necessarily UTF-8),
/// never empty and never holding a NUL, which would cut it short.
public struct ExactPath: Equatable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { throw ExactPathError.empty }
        guard !bytes.contains(0) else { throw ExactPathError.containsNUL(UntrustedText.escaped(bytes)) }
        self.bytes = bytes
    }

    public init(_ text: String) throws {
        try self.init(bytes: Array(text.utf8))
    }

    /// `self` followed by `suffix` (".1", ".1.gz").
    public func appending(_ suffix: String) -> ExactPath {
        ExactPath(checked: bytes + Array(suffix.utf8).filter { $0 != 0 })
    }

    private init(checked bytes: [UInt8]) {
        self.bytes = bytes
    }

    public func withCString<Result>(_ body: (UnsafePointer<CChar>) throws -> Result) rethrows -> Result {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// The name as text, invalid UTF-8 replaced: for SystemCallError, which escapes it.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The name as messages print it: escaped like the log's strings.
    public var description: String { UntrustedText.escaped(bytes) }
}

public enum ExactPathError: Error, Equatable, CustomStringConvertible {
    case empty
    case containsNUL(String)

    public var description: String {
        switch self {
        case .empty: "the path is empty"
        case .containsNUL(let name): "the path \(name) holds a NUL byte, which would cut it short"
        }
    }
}
