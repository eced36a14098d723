import ProcTraceCore

/// A kernel source `record` traces through, describing itself to the session
/// that wires it: what it keeps after the capability drop, what it can see
/// (for the `start` record) and its gauges (for the metrics). The session
/// asks these, never the source's type; a new backend is a new conformance
/// and a line in `Backend.makeSource`.
public protocol RecordingBackend: EventSource {
    /// What it needs once started, the log open and the snapshot read
    /// (BackendPrivileges says why each backend needs what it does).
    var capabilitiesAfterStart: CapabilitySet { get }

    /// Gives up the capabilities of the threads it started before the drop
    /// (capabilities are per thread: they started with the recorder's).
    func limitWorkerCapabilities(to keep: CapabilitySet)

    /// Says in the `start` record how it sees the kernel: its choices, hooks,
    /// and the record kinds it cannot see.
    func describe(_ stream: inout StreamInfo)

    /// Its gauges, made once when metrics are served and run at every publish.
    func makeGauges() -> (inout RecordMetrics.Values) -> Void
}
