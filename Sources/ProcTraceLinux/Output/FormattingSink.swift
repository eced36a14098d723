import ProcTraceCore

/// Writes ECS or OCSF (`--format`) to the sink behind it: each native line
/// of a batch is read back, converted (SchemaConverter), and the converted
/// batch goes out in one write. A file output runs it on its own thread
/// (ConvertingFileSink), never on the recorder's. A failure is reported in the
/// native batch's bytes (the lines correspond one to one), so the Recorder
/// and a fan-out count exactly the records lost.
public class FormattingSink: LogSink {
    public let inner: LogSink
    private let converter: SchemaConverter
    private let decoder = JSONLineDecoder()
    private let out = ByteBuffer(capacity: 256 * 1024)
    /// Where each converted line ends, and its native line.
    private var ends: [(converted: Int, native: Int)] = []

    public init(_ inner: LogSink, format: OutputFormat) {
        self.inner = inner
        converter = SchemaConverter(to: format)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        out.removeAll()
        ends.removeAll(keepingCapacity: true)
        var start = 0
        var failure: Error?
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0a) ?? bytes.count
            do {
                var event = try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                try converter.append(&event, to: out)
            } catch {
                failure = error  // never for the recorder's own lines; the lines before it still go out
                break
            }
            start = min(end + 1, bytes.count)
            ends.append((out.count, start))
        }
        do {
            if !out.isEmpty { try inner.write(out.bytes) }
        } catch let error as LogWriteFailure {
            let kept = ends.last { $0.converted <= error.keptBytes }?.native ?? 0
            throw LogWriteFailure(keptBytes: kept, errno: error.errno, underlying: error.underlying)
        }
        if let failure {
            throw LogWriteFailure(keptBytes: ends.last?.native ?? 0, errno: nil,
                                  underlying: DeliveryError("a record could not be converted to \(converter.format.rawValue): \(failure)"))
        }
    }

    public func flush() throws { try inner.flush() }
}
