import CYAML
import ProcTraceCore

/// One YAML document read with libyaml's event parser into the engine's
/// SigmaNode tree: scalars (their text and whether they were written plain),
/// sequences and mappings, each with the line (1-based) it starts on.
///
/// Stricter than YAML in what a rule may hold, each a `Failure` with a line:
/// aliases (`*a`), keys that are not single values, a key twice in one
/// mapping, nesting deeper than `maximumDepth`. Tags are ignored (the text is
/// kept as written). Several documents in one file are the caller's refusal:
/// `Document.secondDocumentLine` says where the next one starts.
enum SigmaYAML {
    /// Rules are a few levels deep; this bounds the recursion (here and in the compiler) on hostile input.
    static let maximumDepth = 64

    struct Document {
        /// nil for a stream without documents (empty, or comments only).
        var root: SigmaNode?
        /// The line of a second document's root, if the stream has one.
        var secondDocumentLine: Int?
    }

    struct Failure: Error {
        var line: Int
        var reason: String
        /// A syntax error (libyaml's), as opposed to something valid YAML that rules may not use.
        var isSyntax: Bool
    }

    static func parse(_ text: String) throws(Failure) -> Document {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes.append(0) }  // a valid pointer; the length below stays 0
        let length = text.utf8.count
        return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> Document in
            var parser = Parser(buffer, length: length)
            defer { parser.close() }
            return try parser.document()
        }
    }

    /// libyaml's parser over `bytes` (which outlive it), one event at a time.
    private struct Parser {
        private var parser = yaml_parser_t()
        private let bytes: UnsafeBufferPointer<UInt8>
        private let length: Int
        private var initialized = false

        init(_ bytes: UnsafeBufferPointer<UInt8>, length: Int) {
            self.bytes = bytes
            self.length = length
            if yaml_parser_initialize(&parser) == 1 {
                initialized = true
                yaml_parser_set_input_string(&parser, bytes.baseAddress, length)
                yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            }
        }

        mutating func close() {
            if initialized { yaml_parser_delete(&parser) }
            initialized = false
        }

        mutating func document() throws(Failure) -> Document {
            guard initialized else { throw Failure(line: 1, reason: "out of memory", isSyntax: true) }
            var event = try next()
            defer { yaml_event_delete(&event) }
            guard event.type == YAML_STREAM_START_EVENT else { throw unexpected(event) }
            yaml_event_delete(&event)
            event = try next()
            if event.type == YAML_STREAM_END_EVENT { return Document(root: nil) }
            guard event.type == YAML_DOCUMENT_START_EVENT else { throw unexpected(event) }
            yaml_event_delete(&event)
            event = try next()
            let root = try node(from: &event, depth: 1)
            yaml_event_delete(&event)
            event = try next()
            guard event.type == YAML_DOCUMENT_END_EVENT else { throw unexpected(event) }
            yaml_event_delete(&event)
            event = try next()
            guard event.type == YAML_DOCUMENT_START_EVENT else { return Document(root: root) }
            yaml_event_delete(&event)
            event = try next()
            return Document(root: root, secondDocumentLine: Self.line(of: event))
        }

        /// The node that `event` starts (the events up to its end consumed; `event` is the caller's to delete).
        private mutating func node(from event: inout yaml_event_t, depth: Int) throws(Failure) -> SigmaNode {
            let line = Self.line(of: event)
            switch event.type {
            case YAML_SCALAR_EVENT:
                return .scalar(Self.scalar(event))
            case YAML_ALIAS_EVENT:
                throw Failure(line: line, reason: "YAML aliases are not supported in rules", isSyntax: false)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard depth <= SigmaYAML.maximumDepth else {
                    throw Failure(line: line, reason: "nested deeper than \(SigmaYAML.maximumDepth) levels", isSyntax: false)
                }
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let end = isMapping ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT
                var items: [SigmaNode] = []
                var entries: [SigmaMappingEntry] = []
                var keys: Set<String> = []
                var child = try next()
                defer { yaml_event_delete(&child) }
                while child.type != end {
                    if isMapping {
                        guard child.type == YAML_SCALAR_EVENT else {
                            throw Failure(line: Self.line(of: child), reason: "a mapping key must be a single value",
                                          isSyntax: false)
                        }
                        let key = Self.scalar(child)
                        guard keys.insert(key.text).inserted else {
                            throw Failure(line: key.line, reason: "the key '\(key.text)' appears twice in one mapping",
                                          isSyntax: false)
                        }
                        yaml_event_delete(&child)
                        child = try next()
                        entries.append(SigmaMappingEntry(key: key, value: try node(from: &child, depth: depth + 1)))
                    } else {
                        items.append(try node(from: &child, depth: depth + 1))
                    }
                    yaml_event_delete(&child)
                    child = try next()
                }
                return isMapping ? .mapping(entries, line: line) : .sequence(items, line: line)
            default:
                throw unexpected(event)
            }
        }

        /// The next event, or libyaml's error with its line.
        private mutating func next() throws(Failure) -> yaml_event_t {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw failure() }
            return event
        }

        private func failure() -> Failure {
            let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
            switch parser.error {
            case YAML_MEMORY_ERROR:
                return Failure(line: 1, reason: "out of memory", isSyntax: true)
            case YAML_READER_ERROR:
                // Bytes that are not UTF-8 (or a NUL): the line holding the offending byte.
                let offset = min(Int(parser.problem_offset), length)
                let line = 1 + bytes.prefix(offset).reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                return Failure(line: line, reason: problem, isSyntax: true)
            default:
                return Failure(line: Int(parser.problem_mark.line) + 1, reason: problem, isSyntax: true)
            }
        }

        private func unexpected(_ event: yaml_event_t) -> Failure {
            Failure(line: Self.line(of: event), reason: "unexpected YAML event \(event.type.rawValue)", isSyntax: true)
        }

        private static func line(of event: yaml_event_t) -> Int {
            Int(event.start_mark.line) + 1
        }

        private static func scalar(_ event: yaml_event_t) -> SigmaScalar {
            let scalar = event.data.scalar
            let text = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: Int(scalar.length)), as: UTF8.self)
            } ?? ""
            return SigmaScalar(text, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE, line: line(of: event))
        }
    }
}
