import ProcTraceCore

/// A network output that sends ECS or OCSF (`--format`): the queue and the
/// spool keep native lines (a spool stays a recording), and each record is
/// converted on the sender thread as it goes out, off the recorder's path.
/// A record sent again after an outage is converted again without being
/// replayed twice (its parent is then the tree's as it is now).
public final class FormattingTransport: RecordTransport {
    private let inner: RecordTransport
    private let converter: SchemaConverter
    private let out = ByteBuffer(capacity: 64 * 1024)
    /// The last record replayed (a new `start` begins a stream again).
    private var lastSeq: UInt64 = 0

    public init(_ inner: RecordTransport, format: OutputFormat) {
        self.inner = inner
        converter = SchemaConverter(to: format)
    }

    public var name: String { inner.name }
    public var bytesSent: UInt64 { inner.bytesSent }
    public var settleNanoseconds: Int64 { inner.settleNanoseconds }
    public func connect(until deadline: Deadline) throws { try inner.connect(until: deadline) }
    public func acknowledgedBytes() -> UInt64? { inner.acknowledgedBytes() }
    public func disconnect() { inner.disconnect() }

    public func send(_ record: OutgoingRecord, until deadline: Deadline) throws {
        // A line that is no record (a damaged spool) goes as it is: there is nothing to convert.
        guard var event = record.event else { return try inner.send(record, until: deadline) }
        let isNew = event.kind == .start || event.seq > lastSeq
        if isNew { lastSeq = event.seq }
        out.removeAll()
        try converter.append(&event, applying: isNew, to: out)
        var converted = record
        converted.line = UnsafeRawBufferPointer(start: out.base, count: out.count - 1)
        try inner.send(converted, until: deadline)
    }
}
