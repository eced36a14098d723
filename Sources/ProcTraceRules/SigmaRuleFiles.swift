#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux

/// Sigma rules read from files and directories: each YAML file (`.yml`,
/// `.yaml`) parsed by libyaml (SigmaYAML), then compiled (SigmaRuleCompiler; `re` values by
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
        let document: SigmaYAML.Document
        do {
            document = try SigmaYAML.parse(yaml)
        } catch {
            return .failure(SigmaRefusal(file: file, line: error.line,
                                         reason: error.isSyntax ? "not valid YAML: \(error.reason)" : error.reason))
        }
        guard let root = document.root else {
            return .failure(SigmaRefusal(file: file, line: 1, reason: "the file holds no YAML document"))
        }
        if let line = document.secondDocumentLine {
            return .failure(SigmaRefusal(file: file, line: line,
                                         reason: "rule collections (several YAML documents in one file) are not supported"))
        }
        return SigmaRuleCompiler.compile(root, file: file, regex: PCRE2SigmaRegex.compiler)
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
}
