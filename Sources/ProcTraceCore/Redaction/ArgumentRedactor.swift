/// Masks secrets in the arguments of `exec` and `exists` records before they
/// are written. Each pattern is one of two kinds (docs/service.md):
///
/// - An option name, such as `--password`, `--token` or `-p` (no `*` or `?`;
///   a trailing `=` is ignored): the argument after one that equals it is
///   masked whole (`--password hunter2`), and an argument that starts with
///   `NAME=` keeps `NAME=` and has the rest masked (`--password=<redacted>`).
///   A short option (`-p`: one dash, one character) also masks a value glued
///   to it (`-phunter2` → `-p<redacted>`).
/// - A glob, such as `*secret*` or `AKIA????????????????`: an argument that
///   matches it whole is masked whole.
///
/// argv[0], the program, is never masked. Matching is on bytes and case-sensitive.
public struct ArgumentRedactor: Sendable {
    public static let mask = Array("<redacted>".utf8)

    public enum PatternError: Error, Equatable, CustomStringConvertible {
        case empty

        public var description: String { "a --redact pattern cannot be empty" }
    }

    private var optionNames: [[UInt8]] = []
    private var globs: [GlobPattern] = []

    public init(patterns: [String]) throws {
        for pattern in patterns {
            if GlobPattern.hasWildcard(pattern) {
                globs.append(GlobPattern(pattern))
                continue
            }
            var name = Array(pattern.utf8)
            if name.last == UInt8(ascii: "=") { name.removeLast() }
            guard !name.isEmpty else { throw PatternError.empty }
            optionNames.append(name)
        }
    }

    public var isEmpty: Bool { optionNames.isEmpty && globs.isEmpty }

    /// Masks the arguments of `exec` and `exists` records, and of an alert's ancestors, in place.
    public func apply(to event: inout Event) {
        if event.kind == .alert, var alert = event.alert {
            for index in alert.ancestry.indices {
                if let argv = alert.ancestry[index].argv, let redacted = redact(argv) { alert.ancestry[index].argv = redacted }
            }
            event.alert = alert
            return
        }
        guard event.kind == .exec || event.kind == .exists, let argv = event.argv,
              let redacted = redact(argv) else { return }
        event.argv = redacted
    }

    /// The arguments with secrets masked; nil when nothing matched (no copy made).
    public func redact(_ argv: ArgumentVector) -> ArgumentVector? {
        var arguments: [ArraySlice<UInt8>] = []
        argv.forEach { arguments.append($0) }
        var output: [[UInt8]]?
        var maskNext = false
        for (index, argument) in arguments.enumerated() {
            var replacement: [UInt8]?
            if index == 0 {
                replacement = nil
            } else if maskNext {
                replacement = ArgumentRedactor.mask
                maskNext = false
            } else {
                replacement = redactOne(argument, maskNext: &maskNext)
            }
            if let replacement {
                if output == nil { output = arguments.prefix(index).map(Array.init) }
                output!.append(replacement)
            } else if output != nil {
                output!.append(Array(argument))
            }
        }
        guard let masked = output else { return nil }
        var vector = ArgumentVector(masked)
        if argv.bytes.last != 0, vector.bytes.last == 0 {
            vector.bytes.removeLast()  // a truncated last argument stays unterminated
        }
        return vector
    }

    /// The replacement for one argument, or nil to keep it; sets `maskNext`
    /// when the argument is an option whose value follows it.
    private func redactOne(_ argument: ArraySlice<UInt8>, maskNext: inout Bool) -> [UInt8]? {
        for name in optionNames {
            if argument.elementsEqual(name) {
                maskNext = true
                return nil
            }
            guard argument.count > name.count, argument.starts(with: name) else { continue }
            let next = argument[argument.startIndex + name.count]
            if next == UInt8(ascii: "=") {
                return name + [UInt8(ascii: "=")] + ArgumentRedactor.mask
            }
            if ArgumentRedactor.isShortOption(name) {
                return name + ArgumentRedactor.mask
            }
        }
        for glob in globs where glob.matches(argument) {
            return ArgumentRedactor.mask
        }
        return nil
    }

    /// `-p`: one dash and one other character.
    static func isShortOption(_ name: [UInt8]) -> Bool {
        name.count == 2 && name[0] == UInt8(ascii: "-") && name[1] != UInt8(ascii: "-")
    }
}
