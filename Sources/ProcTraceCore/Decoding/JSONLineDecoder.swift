/// Reads one line of a proctrace log (schema version 1, as JSONLineEncoder
/// writes it) back into an `Event`.
///
/// Field order does not matter, unknown fields are ignored (a later version-1
/// writer may add some), `null` and an absent optional field mean the same.
/// Anything else unexpected throws a `JSONLineDecodingError` saying what and
/// where; no input traps.
public struct JSONLineDecoder: Sendable {
    /// Off only in tests, which check that it changes no result and no error.
    let comparesExpectedKeys: Bool
    /// Whether `fork`, `exit` and `reap` lines as the encoder writes them are
    /// read only for the process tree's fields (TreeLineSkim).
    public let skimsTreeLines: Bool

    public init(skimmingTreeLines: Bool = false) {
        comparesExpectedKeys = true
        skimsTreeLines = skimmingTreeLines
    }

    init(comparesExpectedKeys: Bool) {
        self.comparesExpectedKeys = comparesExpectedKeys
        skimsTreeLines = false
    }

    public func decode(_ line: UnsafeRawBufferPointer) throws -> Event {
        var form = LineForm.unknown
        return try decode(line, form: &form)
    }

    /// Decodes `line` and says in `form` whether it is exactly what encoding
    /// the record gives, so that a writer can copy it instead of encoding.
    /// Vouching is cautious: `.asEncoded` only when the keys came in the
    /// encoder's order (each found by the expected-key comparison), every
    /// value in the one form the encoder writes (JSONScanner.isAsEncoded),
    /// and the record holds nothing the encoder would write otherwise
    /// (RecordFields.isAsEncoded).
    public func decode(_ line: UnsafeRawBufferPointer, form: inout LineForm) throws -> Event {
        var event = Event(kind: .start)
        var buffers = RecycledBuffers()
        try decode(line, into: &event, form: &form, recycling: &buffers)
        return event
    }

    /// `decode(_:form:)` into `event`, whose arrays go to `buffers` first and
    /// are filled again with this line's strings where it has some: a caller
    /// decoding into the same slots again and again allocates next to nothing.
    /// On a throw `event` holds no record worth reading.
    public func decode(_ line: UnsafeRawBufferPointer, into event: inout Event, form: inout LineForm,
                       recycling buffers: inout RecycledBuffers) throws {
        form = .unknown
        buffers.recycle(&event)
        event = Event(kind: .start)
        if skimsTreeLines && TreeLineSkim.read(line, into: &event, recentSecond: &buffers.recentSecond) { return }
        var record = RecordFields()
        swap(&record.buffers, &buffers)
        defer { swap(&record.buffers, &buffers) }
        var scanner = JSONScanner(line)
        var field: LogField?
        /// Every key so far is the one the encoder writes there.
        var keysAsEncoded = true
        let keysAfterComma = LogField.keysAfterComma
        // Keys usually come exactly as the encoder writes them; each is first
        // compared in one go with the key expected there. Any difference (order,
        // spacing, escapes, an unknown key) falls back to reading the key,
        // which gives the same result more slowly.
        if comparesExpectedKeys && scanner.consume(JSONLineDecoder.openingWithSeq) {
            field = .seq
        } else {
            keysAsEncoded = false
            try scanner.expect(UInt8(ascii: "{"))
            if scanner.consume(UInt8(ascii: "}")) { return try finish(&record, &scanner, into: &event) }
            field = try readKey(&scanner)
        }
        while true {
            if let field {
                try record.read(field, from: &scanner, into: &event)
            } else {
                try scanner.skipValue()
            }
            if comparesExpectedKeys, let expected = field?.usualSuccessor(in: record.kind),
                scanner.consume(keysAfterComma[expected.rawValue]) {
                field = expected
                continue
            }
            guard scanner.consume(UInt8(ascii: ",")) else { break }
            let previous = field
            field = try readKey(&scanner)
            // The guess skips rare fields; `unavailable`, the last of every
            // kind, is where the encoder writes it when every field the guess
            // expects came before it.
            if field != .unavailable || previous?.usualSuccessor(in: record.kind) != nil || record.kind == nil {
                keysAsEncoded = false
            }
        }
        // A field the encoder would have written next is missing.
        if field?.usualSuccessor(in: record.kind) != nil { keysAsEncoded = false }
        try scanner.expect(UInt8(ascii: "}"))
        try finish(&record, &scanner, into: &event)
        form = keysAsEncoded && scanner.isAsEncoded && record.isAsEncoded ? .asEncoded : .unknown
    }

    private static let openingWithSeq = ShortLiteral(Array(#"{"seq":"#.utf8))

    /// The next key and its colon; nil for a key schema version 1 does not define.
    private func readKey(_ scanner: inout JSONScanner) throws -> LogField? {
        let key = try scanner.scanString()
        try scanner.expect(UInt8(ascii: ":"))
        return key.hasEscapes ? try LogField(escaped: key, in: scanner) : LogField(scanner.text(key))
    }

    private func finish(_ record: inout RecordFields, _ scanner: inout JSONScanner, into event: inout Event) throws {
        scanner.skipWhitespace()
        guard scanner.isAtEnd else { throw scanner.failure("unexpected text after the record") }
        try record.finishEvent(&event)
    }

    public func decode(_ line: [UInt8]) throws -> Event {
        try line.withUnsafeBytes { try decode($0) }
    }

    public func decode(_ line: String) throws -> Event {
        var line = line
        return try line.withUTF8 { try decode(UnsafeRawBufferPointer($0)) }
    }
}
