import ProcTraceCore

/// What the BPF backend needs and sees (RecordingBackend).
extension BPFEventSource: RecordingBackend {
    /// The ring buffer needs nothing; hashing exe_sha256 opens /proc/PID/exe
    /// of processes proctrace may lack the capabilities of.
    public var capabilitiesAfterStart: CapabilitySet {
        hashes.isEnabled ? BackendPrivileges.readingExecutables : .empty
    }

    public func limitWorkerCapabilities(to keep: CapabilitySet) {
        reads.limitCapabilities(to: keep)
    }

    public func describe(_ stream: inout StreamInfo) {
        stream.bpfChoices = choices
        stream.hooks = hooks.rawValue
        stream.hooksRefused = hooksRefused
        stream.unavailableEvents = hooks.unavailableEvents
    }

    /// The ring buffer's size and fill (the gauge maps its positions once).
    public func makeGauges() -> (inout RecordMetrics.Values) -> Void {
        let size = UInt64(ringBufferBytes)
        let ring = RingBufferGauge(ringBytes: ringBufferBytes)
        return { values in
            values.ringBufferSize = size
            values.ringBufferUsed = ring?.usedBytes
        }
    }
}
