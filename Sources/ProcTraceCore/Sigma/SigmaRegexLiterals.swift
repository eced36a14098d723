/// The literals a Sigma `re` value needs: a set of texts of which every
/// text the expression finds a match in holds at least one, so the literal
/// filter can pass over an exec without running the expression
/// (SigmaLiteralGuard). An `re` rule without one runs on every exec; with one,
/// only on the execs that hold a literal.
///
/// The reading is conservative: it knows literal characters, escapes of
/// punctuation and of \t \n \r \f \e \a, `.`, anchors and the \s \d \w
/// classes, bracket classes, groups `( )` and `(?: )`, alternation and
/// quantifiers, and gives up (nil) on anything else: back-references, \x,
/// \p, \Q…\E, lookarounds, inline options, verbs. A case-insensitive
/// expression is not read either: PCRE2's Unicode caseless matching finds
/// `k` in the Kelvin sign, which no folded literal holds.
enum SigmaRegexLiterals {
    /// nil: no set known (the rule stays unguarded).
    static func needed(in source: [UInt8], flags: SigmaRegexFlags) -> Set<[UInt8]>? {
        guard !flags.ignoreCase else { return nil }
        var reader = Reader(source: source)
        guard let whole = try? reader.alternation(depth: 0), reader.isAtEnd,
              let needed = whole.neededSet, !needed.contains(where: \.isEmpty) else { return nil }
        return needed
    }

    /// What is known of the texts a part of an expression matches.
    struct Piece {
        /// Every text it matches, when they are few (nil: too many, or not known).
        var exact: Set<[UInt8]>?
        /// Texts of which every match holds one (nil: none known).
        var needed: Set<[UInt8]>?

        static let unknown = Piece(exact: nil, needed: nil)
        static let empty = Piece(exact: [[]], needed: nil)

        /// A set every match holds one of: `needed`, or the exact texts when none is empty.
        var neededSet: Set<[UInt8]>? {
            if let needed { return needed }
            if let exact, !exact.contains(where: \.isEmpty) { return exact }
            return nil
        }
    }

    /// Bounds that keep the sets small: the filter scans for every literal.
    static let maximumTexts = 16
    static let maximumLength = 64
    static let maximumClass = 8

    struct GiveUp: Error {}

    struct Reader {
        let source: [UInt8]
        var index = 0

        var isAtEnd: Bool { index == source.count }

        func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < source.count ? source[index + offset] : nil
        }

        mutating func alternation(depth: Int) throws -> Piece {
            guard depth < 32 else { throw GiveUp() }
            var branches = [try sequence(depth: depth)]
            while peek() == UInt8(ascii: "|") {
                index += 1
                branches.append(try sequence(depth: depth))
            }
            if branches.count == 1 { return branches[0] }
            var exact: Set<[UInt8]>? = []
            var needed: Set<[UInt8]>? = []
            for branch in branches {
                if let texts = branch.exact, let known = exact { exact = known.union(texts) } else { exact = nil }
                if let texts = branch.neededSet, let known = needed { needed = known.union(texts) } else { needed = nil }
            }
            if let texts = exact, texts.count > maximumTexts { exact = nil }
            return Piece(exact: exact, needed: needed)
        }

        /// Adjacent exact pieces make one run of texts (their products); any
        /// other piece ends the run. The most selective of the runs and of
        /// the pieces' own sets is what the sequence needs.
        mutating func sequence(depth: Int) throws -> Piece {
            var run: Set<[UInt8]> = [[]]
            var allExact = true
            var candidates: [Set<[UInt8]>] = []
            func endRun() {
                if !run.contains(where: \.isEmpty) { candidates.append(run) }
                run = [[]]
            }
            while let byte = peek(), byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                let piece = try quantified(try atom(depth: depth))
                if let texts = piece.exact, let joined = SigmaRegexLiterals.product(run, texts) {
                    run = joined
                    continue
                }
                if let texts = piece.exact {
                    // Too many texts together: the run starts again at this piece.
                    allExact = false
                    endRun()
                    run = texts
                    continue
                }
                allExact = false
                endRun()
                if let texts = piece.neededSet { candidates.append(texts) }
            }
            let exact = allExact ? run : nil
            endRun()
            let best = candidates.max { selectivity($0) < selectivity($1) }
            return Piece(exact: exact, needed: best)
        }

        /// Longer shortest text first, then fewer texts.
        private func selectivity(_ texts: Set<[UInt8]>) -> (Int, Int) {
            (texts.map(\.count).min() ?? 0, -texts.count)
        }

        mutating func atom(depth: Int) throws -> Piece {
            guard let byte = peek() else { throw GiveUp() }
            index += 1
            switch byte {
            case UInt8(ascii: "("):
                if peek() == UInt8(ascii: "?") {
                    guard peek(1) == UInt8(ascii: ":") else { throw GiveUp() }
                    index += 2
                }
                let inner = try alternation(depth: depth + 1)
                guard peek() == UInt8(ascii: ")") else { throw GiveUp() }
                index += 1
                return inner
            case UInt8(ascii: "["):
                return try bracketClass()
            case UInt8(ascii: "."):
                return .unknown
            case UInt8(ascii: "^"), UInt8(ascii: "$"):
                return .empty
            case UInt8(ascii: "\\"):
                return try escape()
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"):
                throw GiveUp()
            case 0x80...:
                // One UTF-8 character, as PCRE2 in UTF mode reads it (a quantifier takes all of it).
                var end = index
                while end < source.count, source[end] & 0xc0 == 0x80 { end += 1 }
                let character = Array(source[(index - 1)..<end])
                index = end
                return Piece(exact: [character], needed: nil)
            default:
                return Piece(exact: [[byte]], needed: nil)
            }
        }

        mutating func escape() throws -> Piece {
            guard let byte = peek() else { throw GiveUp() }
            index += 1
            switch byte {
            case UInt8(ascii: "b"), UInt8(ascii: "B"), UInt8(ascii: "A"), UInt8(ascii: "z"), UInt8(ascii: "Z"):
                return .empty
            case UInt8(ascii: "s"), UInt8(ascii: "S"), UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "w"),
                 UInt8(ascii: "W"), UInt8(ascii: "h"), UInt8(ascii: "H"), UInt8(ascii: "v"), UInt8(ascii: "V"):
                return .unknown
            default:
                guard let literal = Reader.escapedLiteral(byte) else { throw GiveUp() }
                return Piece(exact: [[literal]], needed: nil)
            }
        }

        /// The byte an escape stands for: punctuation itself, and the named controls; nil for the rest.
        static func escapedLiteral(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "t"): 0x09
            case UInt8(ascii: "n"): 0x0a
            case UInt8(ascii: "r"): 0x0d
            case UInt8(ascii: "f"): 0x0c
            case UInt8(ascii: "e"): 0x1b
            case UInt8(ascii: "a"): 0x07
            case 0x21...0x2f, 0x3a...0x40, 0x5b...0x60, 0x7b...0x7e: byte
            default: nil
            }
        }

        /// `[…]`: its characters when it is a short list (ranges spelled out), else one unknown character.
        mutating func bracketClass() throws -> Piece {
            var negated = false
            if peek() == UInt8(ascii: "^") {
                negated = true
                index += 1
            }
            var members: Set<UInt8> = []
            var simple = true
            var first = true
            while true {
                guard let byte = peek() else { throw GiveUp() }
                index += 1
                if byte == UInt8(ascii: "]") && !first { break }
                first = false
                var member = byte
                switch byte {
                case UInt8(ascii: "["):
                    // A POSIX class ([:alpha:]) or a literal bracket: not worth telling apart.
                    throw GiveUp()
                case UInt8(ascii: "\\"):
                    guard let escaped = peek() else { throw GiveUp() }
                    index += 1
                    if let literal = Reader.escapedLiteral(escaped) {
                        member = literal
                    } else if Array("sSdDwWhHvV".utf8).contains(escaped) {
                        simple = false
                        continue
                    } else {
                        throw GiveUp()
                    }
                case 0x80...:
                    throw GiveUp()
                default:
                    break
                }
                if peek() == UInt8(ascii: "-"), let last = peek(1), last != UInt8(ascii: "]") {
                    guard last != UInt8(ascii: "\\"), last != UInt8(ascii: "["), last < 0x80, member <= last else {
                        throw GiveUp()
                    }
                    index += 2
                    if Int(last) - Int(member) < maximumClass {
                        members.formUnion(member...last)
                    } else {
                        simple = false
                    }
                    continue
                }
                members.insert(member)
            }
            guard simple, !negated, members.count <= maximumClass else { return .unknown }
            return Piece(exact: Set(members.map { [$0] }), needed: nil)
        }

        /// Applies a quantifier after the atom, if one follows.
        mutating func quantified(_ atom: Piece) throws -> Piece {
            guard let byte = peek() else { return atom }
            let minimum: Int
            var exactly: Int?
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "*"):
                index += 1
                minimum = 0
            case UInt8(ascii: "+"):
                index += 1
                minimum = 1
            case UInt8(ascii: "{"):
                index += 1
                let low = try number()
                var high: Int? = low
                if peek() == UInt8(ascii: ",") {
                    index += 1
                    high = peek() == UInt8(ascii: "}") ? nil : try number()
                }
                guard peek() == UInt8(ascii: "}") else { throw GiveUp() }
                index += 1
                minimum = low
                if high == low { exactly = low }
            default:
                return atom
            }
            // Lazy or possessive: the same texts.
            if peek() == UInt8(ascii: "?") || peek() == UInt8(ascii: "+") { index += 1 }
            if minimum == 0 { return .unknown }
            if let count = exactly, let texts = atom.exact, count <= 4 {
                var repeated: Set<[UInt8]>? = [[]]
                for _ in 0..<count { repeated = repeated.flatMap { SigmaRegexLiterals.product($0, texts) } }
                if let repeated { return Piece(exact: repeated, needed: nil) }
            }
            return Piece(exact: nil, needed: atom.neededSet)
        }

        mutating func number() throws -> Int {
            var value = 0
            var digits = 0
            while let byte = peek(), byte &- UInt8(ascii: "0") < 10, digits < 6 {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw GiveUp() }
            return value
        }
    }

    /// Every text of `first` followed by every text of `second`; nil when that is too many or too long.
    static func product(_ first: Set<[UInt8]>, _ second: Set<[UInt8]>) -> Set<[UInt8]>? {
        guard first.count * second.count <= maximumTexts else { return nil }
        var result: Set<[UInt8]> = []
        for head in first {
            for tail in second {
                guard head.count + tail.count <= maximumLength else { return nil }
                result.insert(head + tail)
            }
        }
        return result
    }
}
