import CProcTraceStandardC

/// A Sigma string value as a pattern over bytes: `*` any run of characters,
/// `?` one character, `\*` `\?` `\\` literal (a backslash before anything
/// else is itself), as the Sigma specification and pySigma read them.
/// Comparison is ASCII case-insensitive unless `cased` (the `cased` modifier),
/// as SQLite's LIKE and most Sigma backends compare: "É" and "é" differ.
///
/// The modifiers that only add wildcards (`contains`, `startswith`,
/// `endswith`) are applied before compiling, so `contains: 'a*b'` is the
/// pattern `*a*b*`. The common shapes (exact, prefix, suffix, one infix)
/// compare or search once; anything else walks the pattern with the usual
/// backtracking on the last `*`.
public final class SigmaPattern: Sendable {
    public enum Element: Sendable, Hashable {
        case literal([UInt8])
        /// `*`
        case anyRun
        /// `?`: one UTF-8 character.
        case anyCharacter
    }

    public enum Shape: Sendable, Hashable {
        case exact([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case infix([UInt8])
        /// `*` alone: anything, the empty string too.
        case anything
        case general([Element])
    }

    public let shape: Shape
    /// For an infix: its byte pairs, which an indexed text must all hold (SigmaTextIndex).
    public let infixPairs: [UInt16]
    /// Compares bytes as they are (the `cased` modifier); otherwise literals
    /// are kept lowercased and texts must be given lowercased (`SigmaText.folded`).
    public let isCased: Bool
    /// The value as the rule wrote it, for messages.
    public let source: String

    /// Parses `value` (escapes and wildcards), wrapping it in `*` as the modifiers ask.
    public init(_ value: String, leadingAnyRun: Bool = false, trailingAnyRun: Bool = false, cased: Bool = false) {
        source = value
        isCased = cased
        var elements: [Element] = []
        var literal: [UInt8] = []
        func flush() {
            if !literal.isEmpty { elements.append(.literal(literal)) }
            literal = []
        }
        func addAnyRun() {
            flush()
            if case .anyRun? = elements.last { return }
            elements.append(.anyRun)
        }
        if leadingAnyRun { addAnyRun() }
        let bytes = Array(value.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\\"):
                let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                if next == UInt8(ascii: "*") || next == UInt8(ascii: "?") || next == UInt8(ascii: "\\") {
                    literal.append(cased ? next : SigmaText.lowercased(next))
                    index += 2
                    continue
                }
                literal.append(byte)
            case UInt8(ascii: "*"):
                addAnyRun()
            case UInt8(ascii: "?"):
                flush()
                elements.append(.anyCharacter)
            default:
                literal.append(cased ? byte : SigmaText.lowercased(byte))
            }
            index += 1
        }
        if trailingAnyRun { addAnyRun() } else { flush() }
        shape = SigmaPattern.shape(of: elements)
        if case .infix(let literal) = shape { infixPairs = SigmaTextIndex.pairs(of: literal) } else { infixPairs = [] }
    }

    /// `matches(_:)`, first asking `index` (of this same text) whether an infix can be there at all.
    @inline(__always)
    public func matches(_ text: [UInt8], index: SigmaTextIndex?) -> Bool {
        if let index, !infixPairs.isEmpty, !index.mayContain(infixPairs) { return false }
        return matches(text)
    }

    private static func shape(of elements: [Element]) -> Shape {
        switch elements.count {
        case 0: return .exact([])
        case 1:
            if case .literal(let text) = elements[0] { return .exact(text) }
            if case .anyRun = elements[0] { return .anything }
        case 2:
            if case .literal(let text) = elements[0], case .anyRun = elements[1] { return .prefix(text) }
            if case .anyRun = elements[0], case .literal(let text) = elements[1] { return .suffix(text) }
        case 3:
            if case .anyRun = elements[0], case .literal(let text) = elements[1], case .anyRun = elements[2] {
                return .infix(text)
            }
        default: break
        }
        return .general(elements)
    }

    /// Whether the whole of `text` matches (lowercased unless `isCased`).
    @inline(__always)
    public func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        switch shape {
        case .exact(let literal):
            return literal.count == text.count && SigmaPattern.equal(literal, text, at: 0)
        case .prefix(let literal):
            return literal.count <= text.count && SigmaPattern.equal(literal, text, at: 0)
        case .suffix(let literal):
            return literal.count <= text.count && SigmaPattern.equal(literal, text, at: text.count - literal.count)
        case .infix(let literal):
            return SigmaPattern.find(literal, in: text, from: 0) != nil
        case .anything:
            return true
        case .general(let elements):
            return SigmaPattern.matchGeneral(elements, text)
        }
    }

    public func matches(_ text: [UInt8]) -> Bool {
        text.withUnsafeBytes { matches($0) }
    }

    @inline(__always)
    static func equal(_ literal: [UInt8], _ text: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        literal.withUnsafeBytes { literal in
            literal.count == 0 || proctrace_bytes_equal(literal.baseAddress!, text.baseAddress! + offset, literal.count) != 0
        }
    }

    /// The first offset ≥ `from` where `literal` occurs in `text`.
    @inline(__always)
    static func find(_ literal: [UInt8], in text: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard literal.count <= text.count - from else { return nil }
        if literal.isEmpty { return from }
        // memchr for the first byte, then compare (memmem is not the C standard's).
        return literal.withUnsafeBytes { needle -> Int? in
            let first = needle[0]
            let base = text.baseAddress!
            var start = from
            let lastStart = text.count - needle.count
            while start <= lastStart {
                guard let hit = proctrace_find_byte(base + start, first, lastStart - start + 1) else { return nil }
                let offset = base.distance(to: hit)
                if proctrace_bytes_equal(base + offset, needle.baseAddress!, needle.count) != 0 { return offset }
                start = offset + 1
            }
            return nil
        }
    }

    /// Bytes of the character starting at `index`: a whole UTF-8 sequence, or one byte of anything else.
    @inline(__always)
    static func characterLength(_ text: UnsafeRawBufferPointer, at index: Int) -> Int {
        let lead = text[index]
        let length: Int
        switch lead {
        case 0xc2...0xdf: length = 2
        case 0xe0...0xef: length = 3
        case 0xf0...0xf4: length = 4
        default: return 1
        }
        guard index + length <= text.count else { return 1 }
        for offset in 1..<length where text[index + offset] & 0xc0 != 0x80 { return 1 }
        return length
    }

    /// Glob matching with backtracking to the last `*`: each element either
    /// matches at the current place (a literal, or `?` taking one character),
    /// or the last `*` takes one more character and the rest is tried again.
    static func matchGeneral(_ elements: [Element], _ text: UnsafeRawBufferPointer) -> Bool {
        var element = 0, position = 0
        var starElement = -1, starPosition = 0
        while true {
            if element == elements.count {
                if position == text.count { return true }
            } else {
                switch elements[element] {
                case .anyRun:
                    starElement = element
                    starPosition = position
                    element += 1
                    continue
                case .anyCharacter:
                    if position < text.count {
                        position += characterLength(text, at: position)
                        element += 1
                        continue
                    }
                case .literal(let literal):
                    if literal.count <= text.count - position && equal(literal, text, at: position) {
                        position += literal.count
                        element += 1
                        continue
                    }
                }
            }
            // Mismatch: give the last `*` one more character, if there is one.
            guard starElement >= 0, starPosition < text.count else { return false }
            starPosition += characterLength(text, at: starPosition)
            position = starPosition
            element = starElement + 1
        }
    }
}

/// Field texts as the matcher compares them.
public enum SigmaText {
    @inline(__always)
    public static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
    }

    /// ASCII letters lowercased, every other byte as it is.
    public static func folded(_ bytes: [UInt8]) -> [UInt8] {
        var index = 0
        while index < bytes.count, bytes[index] &- UInt8(ascii: "A") >= 26 { index += 1 }
        if index == bytes.count { return bytes }
        var result = bytes
        while index < result.count {
            result[index] = lowercased(result[index])
            index += 1
        }
        return result
    }
}
