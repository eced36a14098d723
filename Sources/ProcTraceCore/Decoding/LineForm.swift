/// How a decoded line was written, as far as the decoder could tell while
/// reading it.
public enum LineForm: Equatable, Sendable {
    /// Byte for byte what JSONLineEncoder writes for the decoded record
    /// (without the newline): the line can be written out as read.
    case asEncoded
    /// Maybe not: other spacing, key order, escapes, an older schema, a
    /// value the encoder writes differently, or valid UTF-8 the decoder did
    /// not check. Encoding the record is the only way to know.
    case unknown
}
