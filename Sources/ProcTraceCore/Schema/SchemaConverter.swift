/// Turns a stream of native records, in order, into ECS or OCSF lines:
/// the tree replayed from the records gives each one its parent as it was
/// at that moment. Used by `convert` and by the outputs that write a
/// foreign format (its memory is the replayer's: bounded zombies).
public final class SchemaConverter {
    public let replayer = LogReplayer()
    private let native = JSONLineEncoder()
    private let line = ByteBuffer(capacity: 16 * 1024)
    private let encoder: SchemaEncoder

    public init(to format: OutputFormat) {
        encoder = SchemaEncoder(format)
    }

    public var format: OutputFormat { encoder.format }

    /// Applies `event` to the tree (unless `applying` is false: a record
    /// sent again) and appends its line in the format.
    public func append(_ event: inout Event, applying: Bool = true, to out: ByteBuffer) throws {
        if applying { _ = replayer.process(&event) }
        line.removeAll()
        native.append(event, to: line)
        try encoder.append(event, line: UnsafeRawBufferPointer(start: line.base, count: line.count - 1),
                           tree: replayer.tree, to: out)
    }
}
