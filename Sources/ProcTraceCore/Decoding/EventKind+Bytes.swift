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

    private static let namesAsBytes: [(name: [UInt8], kind: EventKind)] = allCases.map { (Array($0.name.utf8), $0) }

    private static func named(_ bytes: UnsafeRawBufferPointer) -> EventKind? {
        for entry in namesAsBytes where entry.name.count == bytes.count {
            if entry.name.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return entry.kind }
        }
        return nil
    }
}
