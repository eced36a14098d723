/// Reads one line of a proctrace log (schema version 1, as JSONLineEncoder
/// writes it) back into an `Event`.
///
/// Field order does not matter, unknown fields are ignored (a later version-1
/// writer may add some), `null` and an absent optional field mean the same.
/// Anything else unexpected throws a `JSONLineDecodingError` saying what and
/// where; no input traps.
public struct JSONLineDecoder {
    /// Off only in tests, which check that it changes no result and no error.
    let comparesExpectedKeys: Bool

    public init() {
        comparesExpectedKeys = true
    }

    init(comparesExpectedKeys: Bool) {
        self.comparesExpectedKeys = comparesExpectedKeys
    }

    public func decode(_ line: UnsafeRawBufferPointer) throws -> Event {
        var record = RecordFields()
        var scanner = JSONScanner(line)
        var field: LogField?
        let keysAfterComma = LogField.keysAfterComma
        // Keys usually come exactly as the encoder writes them; each is first
        // compared in one go with the key expected there. Any difference (order,
        // spacing, escapes, an unknown key) falls back to reading the key,
        // which gives the same result more slowly.
        if comparesExpectedKeys && scanner.consume(JSONLineDecoder.openingWithSeq) {
            field = .seq
        } else {
            try scanner.expect(UInt8(ascii: "{"))
            if scanner.consume(UInt8(ascii: "}")) { return try finish(&record, &scanner) }
            field = try readKey(&scanner)
        }
        while true {
            if let field {
                try record.read(field, from: &scanner)
            } else {
                try scanner.skipValue()
            }
            if comparesExpectedKeys, let expected = field?.usualSuccessor(in: record.kind),
                scanner.consume(keysAfterComma[expected.rawValue]) {
                field = expected
                continue
            }
            guard scanner.consume(UInt8(ascii: ",")) else { break }
            field = try readKey(&scanner)
        }
        try scanner.expect(UInt8(ascii: "}"))
        return try finish(&record, &scanner)
    }

    private static let openingWithSeq = ShortLiteral(Array(#"{"seq":"#.utf8))

    /// The next key and its colon; nil for a key schema version 1 does not define.
    private func readKey(_ scanner: inout JSONScanner) throws -> LogField? {
        let key = try scanner.scanString()
        try scanner.expect(UInt8(ascii: ":"))
        return key.hasEscapes ? try LogField(escaped: key, in: scanner) : LogField(scanner.text(key))
    }

    private func finish(_ record: inout RecordFields, _ scanner: inout JSONScanner) throws -> Event {
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.failure("unexpected text after the record") }
        return try record.makeEvent()
    }

    public func decode(_ line: [UInt8]) throws -> Event {
        try line.withUnsafeBytes { try decode($0) }
    }

    public func decode(_ line: String) throws -> Event {
        var line = line
        return try line.withUTF8 { try decode(UnsafeRawBufferPointer($0)) }
    }
}
