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

        // Waiting to open the log (a FIFO nobody reads yet) ends like recording does.
        let openDeadline = configuration.duration.map { Clock.bootNanoseconds.addingSaturating(seconds: $0) }
        var announcedWait = false
        func keepWaiting(_ what: String) -> Bool {
            if !announcedWait {
                announcedWait = true
                HostInfo.standardError("proctrace: \(what) (Ctrl-C, SIGTERM or --duration end the wait)")
            }
            return pt_signals_received() == 0 && openDeadline.map { Clock.bootNanoseconds < $0 } != false
        }
        // A FIFO's reader that stalls holds a write only until a stop signal
        // or the duration, and then for a grace of two seconds to write what
        // was captured; after that, what cannot be written is counted.
        var stoppingSince: Int64?
        func keepWritingWhileBlocked() -> Bool {
            let now = Clock.bootNanoseconds
            let stopping = pt_signals_received() != 0 || openDeadline.map { now >= $0 } == true
            guard stopping else { return true }
            let since = stoppingSince ?? now
            stoppingSince = since
            return now - since < 2_000_000_000
        }
        let sink: LogSink
        let reopenIfDeleted: (() throws -> String?)?
        do {
            if let path = configuration.outputPath, let rotateBytes = configuration.rotateBytes {
                let file = try RotatingFileSink(
                    path: path, maximumBytes: rotateBytes, keep: configuration.rotateKeep,
                    compress: configuration.compressRotated, mode: configuration.fileMode, keepWaiting: keepWaiting)
                file.notices.forEach { HostInfo.standardError("proctrace: \($0)") }
                (sink, reopenIfDeleted) = (file, file.reopenIfDeleted)
            } else if let path = configuration.outputPath {
                let file = try FileSink.appending(to: path, mode: configuration.fileMode, keepWaiting: keepWaiting)
                file.whileBlocked = keepWritingWhileBlocked
                file.notices.forEach { HostInfo.standardError("proctrace: \($0)") }
                (sink, reopenIfDeleted) = (file, file.reopenIfDeleted)
            } else {
                (sink, reopenIfDeleted) = (FileSink.standardOutput(), nil)
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

        let recorder = Recorder(source: source, sink: sink, parents: ProcParentLookup(),
                                filter: configuration.filter, transform: configuration.transform)
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
            dropCapabilities(for: source)
        }

        let deadline = configuration.duration.map { Clock.bootNanoseconds.addingSaturating(seconds: $0) }
        // Whether someone deleted the log: one fstat a second, never per record.
        var nextOutputCheck = Clock.bootNanoseconds
        var outputLost = false
        while pt_signals_received() == 0 {
            let now = Clock.bootNanoseconds
            if let deadline, now >= deadline { break }
            if let reopenIfDeleted, now >= nextOutputCheck {
                nextOutputCheck = now.addingSaturating(seconds: 1)
                do {
                    if let notice = try reopenIfDeleted() { HostInfo.standardError("proctrace: \(notice)") }
                } catch {
                    HostInfo.standardError("proctrace: \(error)")
                    outputLost = true
                    break
                }
            }
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
        return outputLost ? 1 : 0
    }

    private func dropCapabilities(for source: EventSource) {
        do {
            try CapabilityDrop.limit(to: BackendPrivileges.neededAfterStart(by: source))
        } catch {
            HostInfo.standardError("proctrace: warning: \(error); recording goes on with the capabilities it has")
        }
    }
}

extension Int64 {
    /// A boot-clock time `seconds` later, at most Int64.max (durations are
    /// checked where they are given; this keeps the sum from trapping).
    fileprivate func addingSaturating(seconds: Double) -> Int64 {
        let nanoseconds = seconds * 1e9
        guard nanoseconds.isFinite, nanoseconds < 9.2e18 else { return .max }
        let (sum, overflow) = addingReportingOverflow(Int64(Swift.max(nanoseconds, 0)))
        return overflow ? .max : sum
    }
}
