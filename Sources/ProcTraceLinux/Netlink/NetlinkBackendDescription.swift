import ProcTraceCore

/// What the netlink backend needs and sees (RecordingBackend).
extension NetlinkEventSource: RecordingBackend {
    /// It reads /proc/PID/exe for every exec (and again after an overrun).
    public var capabilitiesAfterStart: CapabilitySet { BackendPrivileges.readingExecutables }

    public func limitWorkerCapabilities(to keep: CapabilitySet) {
        reads.limitCapabilities(to: keep)
    }

    /// The proc connector has no failed exec.
    public func describe(_ stream: inout StreamInfo) {
        stream.unavailableEvents = [EventKind.execFailed.name]
    }

    public func makeGauges() -> (inout RecordMetrics.Values) -> Void { { _ in } }
}
