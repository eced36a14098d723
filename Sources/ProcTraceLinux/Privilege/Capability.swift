/// One Linux capability (capabilities(7)), by number, named as the kernel
/// documentation and systemd units name it ("CAP_BPF").
public struct Capability: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let number: Int

    public init(_ number: Int) {
        precondition((0..<64).contains(number), "capability numbers are 0…63")
        self.number = number
    }

    public static let dacReadSearch = Capability(2)
    public static let setpcap = Capability(8)
    public static let netAdmin = Capability(12)
    public static let sysPtrace = Capability(19)
    public static let sysAdmin = Capability(21)
    public static let sysResource = Capability(24)
    public static let perfmon = Capability(38)
    public static let bpf = Capability(39)

    /// Names of capabilities 0…40 (linux/capability.h), index = number.
    static let names = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]

    public var name: String {
        number < Capability.names.count ? Capability.names[number] : "capability \(number)"
    }

    /// Accepts "CAP_BPF", "cap_bpf" or "bpf".
    public init?(name: String) {
        let upper = name.uppercased()
        let full = upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
        guard let number = Capability.names.firstIndex(of: full) else { return nil }
        self.number = number
    }

    public var description: String { name }

    public static func < (lhs: Capability, rhs: Capability) -> Bool { lhs.number < rhs.number }
}
