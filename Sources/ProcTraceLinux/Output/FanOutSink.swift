import ProcTraceCore

/// Several outputs at once (`--output FILE --output syslog+tcp://…`): every
/// batch goes to each, and each keeps its own failure count, so a receiver
/// that is away costs only its own records. A batch fails (for the
/// Recorder's `unwritten`) only for the records that reached no output.
public class FanOutSink: LogSink {
    public final class Member {
        public let name: String
        public let sink: LogSink
        /// Records this output failed to take.
        public fileprivate(set) var failed: UInt64 = 0
        public fileprivate(set) var lastError: Error?

        init(name: String, sink: LogSink) {
            self.name = name
            self.sink = sink
        }
    }

    public let members: [Member]
    /// Called once per member, on its first failure.
    public var onFirstFailure: ((Member, Error) -> Void)?

    public init(_ outputs: [(name: String, sink: LogSink)]) {
        members = outputs.map { Member(name: $0.name, sink: $0.sink) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var mostKept = 0
        var failure: LogWriteFailure?
        for member in members {
            do {
                try member.sink.write(bytes)
                mostKept = bytes.count
            } catch {
                let kept = (error as? LogWriteFailure)?.keptBytes ?? 0
                mostKept = max(mostKept, kept)
                member.failed += QueuedSink.lines(in: UnsafeRawBufferPointer(rebasing: bytes[kept...]))
                if member.lastError == nil { onFirstFailure?(member, error) }
                member.lastError = error
                let errno = (error as? LogWriteFailure)?.errno
                failure = LogWriteFailure(keptBytes: 0, errno: errno, underlying: DeliveryError("\(member.name): \(error)"))
            }
        }
        if let failure, mostKept < bytes.count {
            throw LogWriteFailure(keptBytes: mostKept, errno: failure.errno, underlying: failure.underlying)
        }
    }

    public func flush() throws {
        var firstError: Error?
        for member in members {
            do { try member.sink.flush() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}

/// A fan-out whose file rotates: rotation follows that file, and the fresh
/// file's `start` and live processes go to every output (they are records of the stream).
public final class RotatingFanOutSink: FanOutSink, RotatingLogSink {
    private let rotating: RotatingLogSink

    public init(_ outputs: [(name: String, sink: LogSink)], rotating: RotatingLogSink) {
        self.rotating = rotating
        super.init(outputs)
    }

    public var needsRotation: Bool { rotating.needsRotation }
    public var bytesBeforeRotation: Int { rotating.bytesBeforeRotation }
    public func rotate() throws { try rotating.rotate() }
}
