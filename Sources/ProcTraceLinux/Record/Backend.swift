import ProcTraceCore

/// Which kernel interface `record` traces through.
public enum Backend: String, CaseIterable, Sendable {
    /// BPF, or the netlink proc connector when BPF cannot load (saying why, once).
    case auto
    case bpf
    case netlink

    /// Starts the chosen source. With `auto`, a BPF failure is handed to
    /// `reportFallback` as one line and tracing goes on with netlink; with
    /// `bpf` it is thrown, so the caller fails with the reason.
    public func makeSource(
        bpf: BPFSettings, netlink: NetlinkSettings, reportFallback: (String) -> Void
    ) throws -> RecordingBackend {
        func startBPF() throws -> RecordingBackend {
            let source = try BPFEventSource(settings: bpf)
            if !source.hooksRefused.isEmpty {
                reportFallback("proctrace: hooks: \(source.hooksRefused.joined(separator: "; ")); "
                    + "using \(source.hooks.rawValue) (docs/hooks.md says what each records)")
            }
            return source
        }
        switch self {
        case .bpf:
            return try startBPF()
        case .netlink:
            return try NetlinkEventSource(settings: netlink)
        case .auto:
            do {
                return try startBPF()
            } catch {
                let source = try NetlinkEventSource(settings: netlink)
                reportFallback("proctrace: \(error); tracing with the netlink proc connector instead "
                    + "(see docs/netlink.md for what it cannot record)")
                return source
            }
        }
    }
}
