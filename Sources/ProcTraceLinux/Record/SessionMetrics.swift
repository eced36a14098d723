import ProcTraceCore

/// `--metrics-listen` for one recording: the server, and what publishes to
/// it from the Recorder's counts, the backend's gauges, the reviewer and
/// the outputs' counters.
final class SessionMetrics {
    private let metrics: RecordMetrics
    private let server: MetricsServer
    private let gauges: (inout RecordMetrics.Values) -> Void
    /// At most ten publishes a second (a storm brings many small batches; a
    /// scrape every second needs no more): one clock read per batch otherwise.
    private var nextPublish: Int64 = 0
    static let publishInterval: Int64 = 100_000_000

    /// Binds the address (serving starts with `start`) and makes the backend's gauges.
    init(address: String, backend: RecordingBackend) throws(RecordFailure) {
        metrics = RecordMetrics(version: ProcTraceVersion.current, backend: backend.backendName)
        do {
            server = try MetricsServer(address: address, metrics: metrics)
        } catch {
            throw .startingMetrics(error)
        }
        gauges = backend.makeGauges()
    }

    func start() { server.start() }
    func stop() { server.stop() }

    /// What is to be seen now, unless published less than an interval ago (`force`: regardless).
    func publish(_ recorder: Recorder, outputs: RecordOutputs, review: ExecReviews?, force: Bool = false) {
        let now = Clock.monotonicNanoseconds
        guard force || now >= nextPublish else { return }
        nextPublish = now + Self.publishInterval
        metrics.publish { values in
            values.recordsByEvent = recorder.recordsByKind
            values.lost = recorder.lostTotal
            values.unwritten = recorder.unwritten
            values.processes = UInt64(recorder.tree.count)
            values.hashSkipped = recorder.source.enricher?.skipped
            values.hashWorkersAbandoned = recorder.source.enricher?.workersAbandoned ?? 0
            values.recordsHeld = UInt64(recorder.heldCount)
            values.reviews = review.map { review in
                RecordMetrics.Reviews(
                    rules: review.rules.map { ($0.id, $0.level) }, alertsByRule: recorder.alertsByRule,
                    skipped: review.pool.skipped, queued: UInt64(review.pool.queuedCount),
                    awaiting: UInt64(recorder.awaitingCount))
            }
            gauges(&values)
            values.outputs = outputs.counters(recorder)
        }
    }
}
