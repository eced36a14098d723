extension EventKind {
    /// The kind an `event` value names; nil if none.
    init?(bytes token: JSONScanner.StringToken, in scanner: JSONScanner) throws {
        if token.hasEscapes {
            var decoded: [UInt8] = []
            try scanner.appendContent(of: token, to: &decoded)
            guard let kind = decoded.withUnsafeBytes({ EventKind.named($0) }) else { return nil }
            self = kind
        } else {
            guard let kind = EventKind.named(scanner.text(token)) else { return nil }
            self = kind
        }
    }

    private static func named(_ bytes: UnsafeRawBufferPointer) -> EventKind? {
        guard let kind = candidate(named: bytes), kind.jsonName.utf8CodeUnitCount == bytes.count else { return nil }
        let name = kind.jsonName.utf8Start
        for index in 0..<bytes.count where bytes[index] != name[index] { return nil }
        return kind
    }

    /// The only kind that can have this name, told by its length and a letter or two.
    private static func candidate(named bytes: UnsafeRawBufferPointer) -> EventKind? {
        guard bytes.count >= 4 else { return nil }
        switch (bytes.count, bytes[0]) {
        case (4, UInt8(ascii: "f")): return .fork
        case (4, UInt8(ascii: "e")): return bytes[2] == UInt8(ascii: "e") ? .exec : .exit
        case (4, UInt8(ascii: "r")): return .reap
        case (4, UInt8(ascii: "c")): return bytes[1] == UInt8(ascii: "o") ? .comm : .cred
        case (4, UInt8(ascii: "l")): return .lost
        case (4, UInt8(ascii: "s")): return .stop
        case (5, UInt8(ascii: "s")): return .start
        case (6, UInt8(ascii: "e")): return .exists
        case (6, UInt8(ascii: "r")): return .resync
        case (7, UInt8(ascii: "s")): return .session
        case (8, UInt8(ascii: "r")): return .reparent
        case (11, UInt8(ascii: "t")): return .threadExit
        case (12, UInt8(ascii: "t")): return .threadStart
        default: return nil
        }
    }
}
