import CPCRE2
import ProcTraceCore
import Synchronization

/// Sigma's `re` values compiled by PCRE2: the Perl-compatible dialect the
/// rules are written in, JIT-compiled, searched (not anchored) in the
/// bytes as they are. UTF-8 mode with Unicode properties (`\s`, `\d`, `\w`
/// and caseless matching beyond ASCII, as Python's `re` reads a str); bytes
/// that are not UTF-8 never match a character but do not stop the search.
///
/// A compiled expression keeps one match block, used by one match at a time.
// Unchecked: `code` is read-only once compiled (PCRE2 shares it between threads); `matchData` is used under `matching`.
public final class PCRE2SigmaRegex: SigmaRegex, @unchecked Sendable {
    public let source: String
    public let flags: SigmaRegexFlags
    private let code: OpaquePointer
    private let matchData: OpaquePointer
    private let matching = Mutex(())

    public static let compiler: SigmaRegexCompiler = { try PCRE2SigmaRegex($0, flags: $1) }

    /// Why a pattern does not compile, as PCRE2 says it, with the offset.
    public struct CompileError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ source: String, flags: SigmaRegexFlags = SigmaRegexFlags()) throws {
        self.source = source
        self.flags = flags
        var options = UInt32(PCRE2_UTF) | UInt32(PCRE2_UCP) | UInt32(PCRE2_MATCH_INVALID_UTF)
        if flags.ignoreCase { options |= UInt32(PCRE2_CASELESS) }
        if flags.multiline { options |= UInt32(PCRE2_MULTILINE) }
        if flags.dotAll { options |= UInt32(PCRE2_DOTALL) }
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(source.utf8)
        let compiled = (bytes.isEmpty ? PCRE2SigmaRegex.empty : bytes).withUnsafeBufferPointer { pattern in
            pcre2_compile_8(pattern.baseAddress, bytes.count, options, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            var message = [UInt8](repeating: 0, count: 256)
            let length = pcre2_get_error_message_8(errorCode, &message, message.count)
            throw CompileError(description: String(decoding: message.prefix(max(0, Int(length))), as: UTF8.self)
                               + " at offset \(errorOffset)")
        }
        code = compiled
        // Without the JIT (a kernel that forbids executable memory), the interpreter gives the same answers.
        _ = pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE))
        matchData = pcre2_match_data_create_from_pattern_8(code, nil)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_code_free_8(code)
    }

    /// An empty subject or pattern still needs an address for PCRE2.
    private static let empty: [UInt8] = [0]

    public func matches(_ text: [UInt8]) -> Bool {
        (text.isEmpty ? PCRE2SigmaRegex.empty : text).withUnsafeBufferPointer { subject in
            matching.withLock { _ in pcre2_match_8(code, subject.baseAddress, text.count, 0, 0, matchData, nil) >= 0 }
        }
    }
}
