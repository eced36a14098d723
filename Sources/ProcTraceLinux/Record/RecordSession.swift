#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// Runs `record`: start the source, write `start`, the snapshot, then every
/// event until a stop signal or the duration; then drain, write `stop`, flush.
public final class RecordSession {
    public let configuration: RecordConfiguration
    private let makeSource: () throws -> EventSource

    public init(configuration: RecordConfiguration, makeSource: @escaping () throws -> EventSource) {
        self.configuration = configuration
        self.makeSource = makeSource
    }

    /// Returns the process exit status. Fatal problems are reported on
    /// standard error as one line naming the cause and the remedy.
    public func run() -> Int32 {
        pt_signals_install()

        let sink: LogSink
        do {
            if let path = configuration.outputPath, let rotateBytes = configuration.rotateBytes {
                sink = try RotatingFileSink(
                    path: path, maximumBytes: rotateBytes, keep: configuration.rotateKeep,
                    compress: configuration.compressRotated, mode: configuration.fileMode)
            } else if let path = configuration.outputPath {
                sink = try FileSink.appending(to: path, mode: configuration.fileMode)
            } else {
                sink = FileSink.standardOutput()
            }
        } catch {
            HostInfo.standardError("proctrace: cannot open the log: \(error)")
            return 1
        }

        let source: EventSource
        do {
            source = try makeSource()
        } catch {
            HostInfo.standardError("proctrace: \(error)")
            return 1
        }
        defer { source.close() }

        let recorder = Recorder(source: source, sink: sink)
        recorder.filter = configuration.filter
        recorder.transform = configuration.transform
        let reparents = ReparentTracker(lookup: ProcParentLookup())
        recorder.derive = reparents.process
        recorder.deriveAfterBatch = reparents.retryPending
        var stream = StreamInfo(
            backend: source.backendName, host: HostInfo.hostName, bootID: ProcFS().bootID(),
            kernel: HostInfo.kernelRelease, proctraceVersion: ProcTraceVersion.current,
            recorderPid: getpid())
        stream.bpfChoices = (source as? BPFEventSource)?.choices

        var reportedWriteError = false
        func reportWriteError(_ error: Error) {
            guard !reportedWriteError else { return }
            reportedWriteError = true
            HostInfo.standardError(
                "proctrace: writing the log failed: \(error); records that cannot be written are counted "
                    + "and reported in the stop record (free space, or check the output)")
        }

        do {
            try recorder.start(stream, time: Clock.realtimeNanoseconds)
        } catch {
            HostInfo.standardError("proctrace: cannot write the start record: \(error)")
            return 1
        }
        do {
            try recorder.record(snapshot: source.snapshot())
        } catch let error as LogWriteFailure {
            reportWriteError(error)
        } catch {
            HostInfo.standardError("proctrace: reading the running processes failed: \(error)")
        }
        if configuration.dropCapabilitiesAfterStart {
            dropCapabilities(backend: source.backendName)
        }

        let deadline = configuration.duration.map { Clock.bootNanoseconds + Int64($0 * 1e9) }
        while pt_signals_received() == 0 {
            if let deadline, Clock.bootNanoseconds >= deadline { break }
            do {
                try recorder.pump(timeoutMilliseconds: configuration.pollIntervalMilliseconds)
            } catch let error as LogWriteFailure {
                reportWriteError(error)
                if error.errno == EPIPE { break }
            } catch {
                HostInfo.standardError("proctrace: reading events failed: \(error)")
                break
            }
        }

        do {
            try recorder.finish(time: Clock.realtimeNanoseconds)
        } catch {
            reportWriteError(error)
        }
        if recorder.unwritten > 0 {
            HostInfo.standardError("proctrace: \(recorder.unwritten) records could not be written to the log")
            return 1
        }
        return 0
    }

    private func dropCapabilities(backend: String) {
        do {
            try CapabilityDrop.limit(to: BackendPrivileges.neededAfterStart(backend: backend))
        } catch {
            HostInfo.standardError("proctrace: warning: \(error); recording goes on with the capabilities it has")
        }
    }
}
