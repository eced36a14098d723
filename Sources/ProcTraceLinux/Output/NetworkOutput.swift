import ProcTraceCore

/// The journal or a syslog receiver: the recording's thread queues each
/// batch (in memory or a spool) and a sender of its own delivers it
/// (QueuedSink), so the receiver never holds the recording.
public final class NetworkOutput: QueuedRecordOutput {
    private let queued: QueuedSink

    /// What a network output is opened with, beside its target.
    struct Settings {
        var format: OutputFormat?
        var tls: TLSSettings
        /// One subdirectory each under it; nil: a queue of `memoryQueueBytes` in memory.
        var spoolDirectory: String?
        var spoolBytes: UInt64
        var memoryQueueBytes: Int
        /// When the network outputs give up delivering at the stop: one grace for all of them.
        var stopDeadline: Deadline
        var notify: @Sendable (RecordNotice) -> Void
    }

    init(_ target: OutputTarget, _ settings: Settings) throws {
        var transport = try Self.transport(for: target, tls: settings.tls)
        if let format = settings.format, format != .proctrace {
            transport = FormattingTransport(transport, format: format)
        }
        let queue = try Self.queue(for: target, settings)
        queued = QueuedSink(transport: transport, queue: queue, stopDeadline: settings.stopDeadline)
        queued.onTrouble = { [notify = settings.notify] in notify(.networkOutput($0)) }
    }

    /// The one place a network target is given its transport.
    private static func transport(for target: OutputTarget, tls settings: TLSSettings) throws -> RecordTransport {
        switch target {
        case .journal: return JournalTransport()
        case .syslog(.tls(let host, let port)):
            let tls: TLSClientConfiguration
            do {
                tls = try TLSClientConfiguration(settings)
            } catch {
                throw DeliveryError("\(target): \(error)")
            }
            return SyslogTransport(endpoint: .tls(host: host, port: port), tls: tls)
        case .syslog(.relp(let host, let port)): return RELPTransport(host: host, port: port)
        case .syslog(let endpoint): return SyslogTransport(endpoint: endpoint)
        case .file: throw DeliveryError("\(target): not a network output")
        }
    }

    /// Its part of the spool (saying what an earlier run left there), or a queue in memory.
    private static func queue(for target: OutputTarget, _ settings: Settings) throws -> RecordQueue {
        guard let directory = settings.spoolDirectory else {
            return MemoryRecordQueue(capacity: settings.memoryQueueBytes)
        }
        let own = directory + "/" + target.spoolName
        do {
            let trusted = try SpoolDirectory(path: directory).subdirectory(target.spoolName)
            let spool = try DiskSpool(trusted, capacity: Int(clamping: settings.spoolBytes))
            if spool.pendingBytes > 0 {
                settings.notify(.networkOutput(
                    "\(target): \(spool.pendingBytes) bytes of records from an earlier run wait in \(own); sending them first"))
            }
            return spool
        } catch {
            throw DeliveryError("cannot open the spool for \(target): \(error) (check --spool)")
        }
    }

    public var name: String { queued.name }
    public var sink: LogSink { queued }
    public func start() { queued.start() }
    public func stop() { queued.stop() }

    public var queueCounters: OutputCounters { queued.snapshot }
}
