/// A shell-like wildcard pattern over bytes: `*` matches any run of bytes
/// (also none), `?` exactly one byte, every other byte itself. No character
/// classes, no escapes: a pattern that needs a literal `*` cannot say it.
public struct GlobPattern: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(_ text: String) {
        bytes = Array(text.utf8)
    }

    /// Whether the pattern has a wildcard at all.
    public static func hasWildcard(_ text: String) -> Bool {
        text.utf8.contains(UInt8(ascii: "*")) || text.utf8.contains(UInt8(ascii: "?"))
    }

    /// Whether the whole of `subject` matches. Linear backtracking over the
    /// last `*`: O(pattern × subject) at worst, no recursion.
    public func matches<C: Collection>(_ subject: C) -> Bool where C.Element == UInt8 {
        let text = Array(subject)
        var p = 0, t = 0
        var starAt = -1, starText = 0
        while t < text.count {
            if p < bytes.count && (bytes[p] == UInt8(ascii: "?") || bytes[p] == text[t]) && bytes[p] != UInt8(ascii: "*") {
                p += 1
                t += 1
            } else if p < bytes.count && bytes[p] == UInt8(ascii: "*") {
                starAt = p
                starText = t
                p += 1
            } else if starAt >= 0 {
                p = starAt + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < bytes.count && bytes[p] == UInt8(ascii: "*") { p += 1 }
        return p == bytes.count
    }
}
