import ProcTraceCore

/// A second `re` engine to check PCRE2 against: Swift's Regex with
/// Unicode-scalar semantics, so `.` is one code point as in PCRE and Python.
/// It lives in the tests because the string-processing library it needs
/// costs the shipped binary about 0.9 MiB; `hunt` uses PCRE2 alone.
// Unchecked: the Regex is a value no match changes (AnyRegexOutput alone is not marked Sendable).
final class SwiftSigmaRegex: SigmaRegex, @unchecked Sendable {
    let source: String
    let flags: SigmaRegexFlags
    private let regex: Regex<AnyRegexOutput>

    init(_ source: String, flags: SigmaRegexFlags = SigmaRegexFlags()) throws {
        self.source = source
        self.flags = flags
        var prefix = ""
        if flags.ignoreCase { prefix += "i" }
        if flags.multiline { prefix += "m" }
        if flags.dotAll { prefix += "s" }
        regex = try Regex(prefix.isEmpty ? source : "(?\(prefix))" + source).matchingSemantics(.unicodeScalar)
    }

    static let compiler: SigmaRegexCompiler = { try SwiftSigmaRegex($0, flags: $1) }

    func matches(_ text: [UInt8]) -> Bool {
        let string = String(decoding: text, as: UTF8.self)
        return (try? regex.firstMatch(in: string)) != nil
    }
}
