#if canImport(Glibc)
import Glibc
#endif
import CProcTraceBPF

/// Why the BPF backend could not start, said as cause and remedy in one line.
public struct BPFStartError: Error, CustomStringConvertible {
    public enum Stage: Int32, Sendable {
        case open = 1, load, attach, ring, unknown, kernel
    }

    public let stage: Stage
    public let errno: Int32
    public let detail: String
    /// Capabilities found missing before loading (empty: not the reason).
    public let missingCapabilities: [Capability]

    public init(stage: Stage, errno: Int32, detail: String, missingCapabilities: [Capability] = []) {
        self.stage = stage
        self.errno = errno
        self.detail = detail
        self.missingCapabilities = missingCapabilities
    }

    public var description: String {
        let cause: String
        if !missingCapabilities.isEmpty {
            let names = missingCapabilities.map(\.name)
            let lower = names.map { $0.lowercased() }.joined(separator: ",")
            return "BPF unavailable: missing capabilit\(names.count == 1 ? "y" : "ies") \(names.joined(separator: " and "))"
                + (detail.isEmpty ? "" : " (\(detail))") + "; run as root, or grant "
                + "\(names.count == 1 ? "it" : "them") (setcap \(lower)+ep, or AmbientCapabilities= in a systemd unit), "
                + "or use --backend netlink"
        }
        if stage == .kernel {
            return "BPF unavailable: \(detail); use a newer kernel, or --backend netlink"
        }
        if !BPFStartError.kernelHasBTF {
            return "BPF unavailable: this kernel has no BTF (/sys/kernel/btf/vmlinux is missing); "
                + "use a kernel built with CONFIG_DEBUG_INFO_BTF=y, or run with --backend netlink"
        }
        switch errno {
        case EPERM, EACCES:
            if geteuid() != 0 {
                return "BPF unavailable: permission denied; run as root (sudo proctrace …) or grant "
                    + "CAP_BPF and CAP_PERFMON, or use --backend netlink"
            }
            cause = stage == .load
                ? "the kernel refused to load a program although running as root (its verifier rejected it, "
                    + "or lockdown / a seccomp filter forbids BPF)"
                : "permission denied although running as root (lockdown, a seccomp filter, "
                    + "or kernel.unprivileged_bpf_disabled in a container?)"
        case ENOSYS:
            cause = "the kernel was built without BPF system call support"
        case ENOMEM, E2BIG:
            cause = "not enough locked memory for the maps; try a smaller --ring-buffer-size"
        case ENOENT, ESRCH:
            cause = "a tracepoint or kernel type proctrace needs is missing on this kernel"
        case EINVAL:
            cause = "the kernel rejected a BPF program (older kernel or unsupported feature)"
        default:
            cause = String(cString: strerror(errno))
        }
        let what = detail.isEmpty ? "" : " (\(detail))"
        return "BPF unavailable: \(cause)\(what); run with --verbose for libbpf's messages, or use --backend netlink"
    }

    static var kernelHasBTF: Bool {
        access("/sys/kernel/btf/vmlinux", R_OK) == 0
    }
}
