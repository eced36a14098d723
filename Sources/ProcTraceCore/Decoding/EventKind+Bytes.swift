extension EventKind {
    /// The kind an `event` value names (compared with `jsonName`, the one
    /// spelling of each name); nil if none.
    init?(bytes token: JSONScanner.StringToken, in scanner: JSONScanner,
          schema: RecordSchema.Compiled = RecordSchema.compiled) throws {
        if token.hasEscapes {
            var decoded: [UInt8] = []
            try scanner.appendContent(of: token, to: &decoded)
            guard let kind = decoded.withUnsafeBytes({ schema.kind(named: $0) }) else { return nil }
            self = kind
        } else {
            guard let kind = schema.kind(named: scanner.text(token)) else { return nil }
            self = kind
        }
    }
}
