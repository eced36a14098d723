#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
internal import Yams

/// Sigma rules read from files and directories: each YAML file (`.yml`,
/// `.yaml`) parsed by Yams, then compiled (SigmaRuleCompiler; `re` values by
/// PCRE2, PCRE2SigmaRegex). A file that
/// cannot be read or parsed, or a rule that cannot be evaluated, is a
/// refusal with its file, line and reason; the other rules load.
public enum SigmaRuleFiles {
    public struct Loaded {
        public var rules: [SigmaRule] = []
        public var refusals: [SigmaRefusal] = []
        /// Rule files read (a directory counts its YAML files).
        public var files = 0
    }

    /// A path that cannot be opened at all (the command line's fault, not a rule's).
    public struct PathError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `paths`: a file as a rule, a directory's YAML files (recursively, in name order).
    public static func load(_ paths: [String]) throws -> Loaded {
        var loaded = Loaded()
        for path in paths {
            var status = stat()
            guard stat(path, &status) == 0 else {
                throw PathError(description: "\(UntrustedText.escaped(path)): \(SystemCallError("stat", errno: errno).message)")
            }
            if status.st_mode & S_IFMT == S_IFDIR {
                for file in try yamlFiles(under: path) { load(file: file, into: &loaded) }
            } else {
                load(file: path, into: &loaded)
            }
        }
        return loaded
    }

    /// Parses one document (from memory) as a rule named `file`.
    public static func compile(yaml: String, file: String) -> Result<SigmaRule, SigmaRefusal> {
        let documents: [Node]
        do {
            // The sequence keeps a parse error instead of throwing it.
            var sequence = try compose_all(yaml: yaml)
            var nodes: [Node] = []
            while let node = sequence.next() { nodes.append(node) }
            if let error = sequence.error { throw error }
            documents = nodes
        } catch let error as YamlError {
            return .failure(SigmaRefusal(file: file, line: line(of: error), reason: "not valid YAML: \(summary(of: error))"))
        } catch {
            return .failure(SigmaRefusal(file: file, line: 1, reason: "not valid YAML: \(error)"))
        }
        guard let document = documents.first else {
            return .failure(SigmaRefusal(file: file, line: 1, reason: "the file holds no YAML document"))
        }
        if documents.count > 1 {
            return .failure(SigmaRefusal(file: file, line: documents[1].mark?.line ?? 1,
                                         reason: "rule collections (several YAML documents in one file) are not supported"))
        }
        do {
            return SigmaRuleCompiler.compile(try convert(document, file: file), file: file, regex: PCRE2SigmaRegex.compiler)
        } catch let refusal as SigmaRefusal {
            return .failure(refusal)
        } catch {
            return .failure(SigmaRefusal(file: file, line: 1, reason: "\(error)"))
        }
    }

    private static func load(file: String, into loaded: inout Loaded) {
        loaded.files += 1
        let result: Result<SigmaRule, SigmaRefusal>
        if let bytes = FileIO.readSmallFile(file, limit: 16 << 20) {
            result = compile(yaml: String(decoding: bytes, as: UTF8.self), file: file)
        } else {
            result = .failure(SigmaRefusal(file: file, line: 0, reason: "cannot be read: \(SystemCallError("open", errno: errno).message)"))
        }
        switch result {
        case .success(let rule): loaded.rules.append(rule)
        case .failure(let refusal): loaded.refusals.append(refusal)
        }
    }

    /// The YAML files below `directory`, sorted by path (hidden entries skipped).
    private static func yamlFiles(under directory: String) throws -> [String] {
        guard let dir = opendir(directory) else {
            throw PathError(description: "\(UntrustedText.escaped(directory)): \(SystemCallError("opendir", errno: errno).message)")
        }
        defer { closedir(dir) }
        var files: [String] = []
        var directories: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var status = stat()
            guard stat(path, &status) == 0 else { continue }
            if status.st_mode & S_IFMT == S_IFDIR {
                directories.append(path)
            } else if name.hasSuffix(".yml") || name.hasSuffix(".yaml") {
                files.append(path)
            }
        }
        for sub in directories { files += try yamlFiles(under: sub) }
        return files.sorted()
    }

    private static func convert(_ node: Node, file: String) throws -> SigmaNode {
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let scalar):
            return .scalar(SigmaScalar(scalar.string, isPlain: scalar.style == .plain, line: line))
        case .sequence(let sequence):
            return .sequence(try sequence.map { try convert($0, file: file) }, line: line)
        case .mapping(let mapping):
            return .mapping(try mapping.map { key, value in
                guard case .scalar(let keyScalar) = key else {
                    throw SigmaRefusal(file: file, line: key.mark?.line ?? line, reason: "a mapping key must be a single value")
                }
                return SigmaMappingEntry(key: SigmaScalar(keyScalar.string, isPlain: keyScalar.style == .plain,
                                                          line: key.mark?.line ?? line),
                                         value: try convert(value, file: file))
            }, line: line)
        case .alias:
            throw SigmaRefusal(file: file, line: line, reason: "YAML aliases are not supported in rules")
        }
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 1
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }
}
