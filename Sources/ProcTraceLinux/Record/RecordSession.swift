#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// Runs `record`: wires the outputs, the backend, the metrics, the sealer
/// and the reviewer by what they say of themselves, then hands them to a
/// RecordRun (start, snapshot, every event until a stop, then `stop`).
public final class RecordSession {
    public let configuration: RecordConfiguration
    private let makeSource: () throws -> RecordingBackend
    private let notify: @Sendable (RecordNotice) -> Void
    private let notices: NoticeWriter?
    /// When the network outputs give up delivering at the stop: one grace for all of them.
    private let networkStopDeadline = Deadline()

    /// `notify` hears what there is to tell while recording goes on (network outputs' senders too);
    /// `notices`, where it writes, gets its thread once capabilities are dropped.
    public init(configuration: RecordConfiguration, makeSource: @escaping () throws -> RecordingBackend,
                notices: NoticeWriter? = nil, notify: @escaping @Sendable (RecordNotice) -> Void) {
        self.configuration = configuration
        self.makeSource = makeSource
        self.notices = notices
        self.notify = notify
    }

    /// Records until a stop signal or the duration. Throws when recording
    /// cannot begin; otherwise says what could not be written or delivered.
    public func run() throws(RecordFailure) -> RecordOutcome {
        pt_signals_install()
        HeapSettings.keepLargeBlocksMapped()
        // Waiting to open the log (a FIFO nobody reads yet) ends like recording does.
        let stop = RecordingStop(duration: configuration.duration, notify: notify)
        let outputs = try RecordOutputs.open(configuration, stop: stop, stopDeadline: networkStopDeadline, notify: notify)
        defer { outputs.stop() }
        let source: RecordingBackend
        do {
            source = try makeSource()
        } catch {
            throw .startingSource(error)
        }
        defer { source.close() }
        let metrics = try configuration.metricsListen.map { address throws(RecordFailure) in
            try SessionMetrics(address: address, backend: source)
        }
        let sealer = try openSealer()
        let review = try ExecReviews.start(configuration)
        defer { review?.pool.stop() }
        let recorder = Recorder(
            source: source, sink: outputs.sink, parents: ProcParentLookup(), filter: configuration.filter,
            transform: configuration.transform, enrichment: enrichment(for: source), sealer: sealer,
            review: review?.recorderReview(configuration))
        defer { metrics?.stop() }
        let run = RecordRun(configuration: configuration, notify: notify, backend: source, recorder: recorder,
                            outputs: outputs, metrics: metrics, review: review, sealer: sealer, notices: notices)
        try run.begin()
        return run.finish(run.loop())
    }

    private func enrichment(for source: RecordingBackend) -> Recorder.Enrichment? {
        source.enricher.map {
            Recorder.Enrichment(enricher: $0, bounds: configuration.enrichment, clock: { Clock.monotonicNanoseconds })
        }
    }

    private func openSealer() throws(RecordFailure) -> RecordSealer? {
        do {
            return try configuration.sealKeyPath.map { try RecordSealer(file: SealKeyFile(path: $0)) }
        } catch {
            throw .openingSealKey(error)
        }
    }
}
