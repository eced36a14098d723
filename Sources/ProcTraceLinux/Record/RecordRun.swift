#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// One recording once wired (RecordSession): the `start` record and the
/// snapshot, the capability drop, every event until a stop, then the drain,
/// `stop` and what could not be written or delivered.
final class RecordRun {
    private let configuration: RecordConfiguration
    private let notify: @Sendable (RecordNotice) -> Void
    private let backend: RecordingBackend
    private let recorder: Recorder
    private let outputs: RecordOutputs
    private let metrics: SessionMetrics?
    private let review: ExecReviews?
    private let sealer: RecordSealer?
    private let notices: NoticeWriter?
    private var reportedWriteError = false

    /// Why the loop ended early: the log could no longer be written, or reading events failed.
    struct Ending {
        var outputLost = false
        var sourceFailed = false
    }

    init(configuration: RecordConfiguration, notify: @escaping @Sendable (RecordNotice) -> Void,
         backend: RecordingBackend, recorder: Recorder, outputs: RecordOutputs, metrics: SessionMetrics?,
         review: ExecReviews?, sealer: RecordSealer?, notices: NoticeWriter?) {
        self.configuration = configuration
        self.notices = notices
        self.notify = notify
        self.backend = backend
        self.recorder = recorder
        self.outputs = outputs
        self.metrics = metrics
        self.review = review
        self.sealer = sealer
    }

    /// Writes `start` and the snapshot, drops capabilities, then starts the
    /// outputs' senders, the metrics server and the standard error writer.
    func begin() throws(RecordFailure) {
        do {
            try recorder.start(streamInfo(), time: Clock.realtimeNanoseconds)
        } catch {
            throw .writingStart(error)
        }
        do {
            try recorder.record(snapshot: backend.snapshot())
        } catch let error as LogWriteFailure {
            reportWriteError(error)
        } catch is RotationFailure {
            // Said by the sink's onNotice; the current file goes on.
        } catch {
            notify(.snapshotFailed(error))
        }
        if configuration.dropCapabilitiesAfterStart { dropCapabilities() }
        // Senders start after the drop: a thread keeps the capabilities it was created with.
        // They start with the stop and reopen signals blocked, which then interrupt only this thread.
        pt_signals_hold(1)
        notices?.start()
        outputs.start()
        publishMetrics()
        metrics?.start()
        pt_signals_hold(0)
    }

    private func streamInfo() -> StreamInfo {
        var stream = StreamInfo(
            backend: backend.backendName, host: HostInfo.hostName, bootID: ProcFS().bootID(),
            kernel: HostInfo.kernelRelease, proctraceVersion: ProcTraceVersion.current, recorderPid: getpid())
        backend.describe(&stream)
        return stream
    }

    private func dropCapabilities() {
        do {
            let keep = backend.capabilitiesAfterStart
            try CapabilityDrop.limit(to: keep)
            // Capabilities are per thread: the workers started before this one dropped them.
            backend.limitWorkerCapabilities(to: keep)
            review?.pool.limitCapabilities(to: keep)
        } catch {
            notify(.capabilitiesKept(error))
        }
    }

    private func publishMetrics(force: Bool = false) {
        metrics?.publish(recorder, outputs: outputs, review: review, force: force)
    }

    private func reportWriteError(_ error: Error) {
        guard !reportedWriteError else { return }
        reportedWriteError = true
        notify(.writeFailed(error))
    }

    /// Records until a stop signal, the duration, a terminal's hangup, or a failure that ends recording.
    func loop() -> Ending {
        let deadline = configuration.duration.map { Clock.bootNanoseconds.addingSaturating(seconds: $0) }
        // Whether someone deleted the log: one fstat a second, never per record.
        var nextOutputCheck = Clock.bootNanoseconds
        var ending = Ending()
        while pt_signals_received() == 0 {
            let now = Clock.bootNanoseconds
            if let deadline, now >= deadline { break }
            if pt_signals_take_reopen() != 0 && !reopenOnHangup() { break }
            if let log = outputs.reopenable, now >= nextOutputCheck {
                nextOutputCheck = now.addingSaturating(seconds: 1)
                do {
                    if let notice = try log.reopenIfDeleted() { notify(.output(notice)) }
                } catch {
                    notify(.outputLost(error))
                    ending.outputLost = true
                    break
                }
            }
            defer { publishMetrics() }
            guard pump(&ending) else { break }
        }
        return ending
    }

    /// SIGHUP: logrotate's convention with a log file. Without one, the terminal
    /// hanging up ends recording (false); anywhere else (a unit with network outputs
    /// only, HUPed by a logrotate stanza) there is nothing to reopen and nothing to stop for.
    private func reopenOnHangup() -> Bool {
        guard let log = outputs.reopenable else {
            return isatty(STDOUT_FILENO) != 1 && isatty(STDERR_FILENO) != 1
        }
        // The renamed file's last line is a seal, as with record's own rotation.
        if sealer != nil {
            recorder.seal(.rotation)
            try? recorder.flush()
        }
        do {
            try log.reopen().forEach { notify(.output($0)) }
        } catch {
            notify(.output("cannot reopen the log on SIGHUP: \(error); records go on into the file opened before"))
        }
        return true
    }

    /// One poll and its writes; false: recording ends (a closed pipe, the source failed).
    private func pump(_ ending: inout Ending) -> Bool {
        do {
            try recorder.pump(timeoutMilliseconds: configuration.pollIntervalMilliseconds)
        } catch let error as LogWriteFailure {
            reportWriteError(error)
            if error.errno == EPIPE { return false }
        } catch is RotationFailure {
            // Said by the sink's onNotice; the current file goes on.
        } catch {
            notify(.readingFailed(error))
            ending.sourceFailed = true
            return false
        }
        return true
    }

    /// Drains, writes `stop`, closes the sealer, stops the outputs; says what was lost.
    func finish(_ ending: Ending) -> RecordOutcome {
        do {
            try recorder.finish(time: Clock.realtimeNanoseconds)
        } catch is RotationFailure {
            // Said by the sink's onNotice (once until a rotation works); the stop record is in the current file.
        } catch {
            reportWriteError(error)
        }
        if let sealer {
            if !sealer.close() {
                notify(.output("the seal key state could not be saved within 2 s: the next run's first seal will not "
                    + "chain to this run's last"))
            }
            if let error = sealer.storeError { notify(.output("saving the seal key state failed: \(error)")) }
        }
        outputs.stop()
        publishMetrics(force: true)
        var outcome = RecordOutcome()
        outcome.spooled = configuration.spoolDirectory != nil
        outputs.report(into: &outcome)
        outcome.unwritten = recorder.unwritten
        outcome.outputLost = ending.outputLost
        outcome.sourceFailed = ending.sourceFailed
        return outcome
    }
}
