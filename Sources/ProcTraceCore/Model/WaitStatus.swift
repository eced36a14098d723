/// The wait(2) status word of an ended process, decoded the way
/// WIFEXITED / WEXITSTATUS / WTERMSIG / WCOREDUMP decode it.
public struct WaitStatus: Hashable, Sendable {
    public var raw: UInt32

    public init(raw: UInt32) {
        self.raw = raw
    }

    public init(exitCode: Int) {
        raw = UInt32(exitCode & 0xff) << 8
    }

    public init(signal: Int, coreDumped: Bool = false) {
        raw = UInt32(signal & 0x7f) | (coreDumped ? 0x80 : 0)
    }

    /// The exit code 0...255 when the process called exit; nil when a signal ended it.
    public var exitCode: Int? {
        signal == nil ? Int((raw >> 8) & 0xff) : nil
    }

    /// The signal that ended it, or nil when it exited.
    public var signal: Int? {
        let number = Int(raw & 0x7f)
        return number == 0 ? nil : number
    }

    /// WCOREDUMP: the kernel wrote a core file (not merely "a core-dumping signal").
    public var coreDumped: Bool {
        signal != nil && raw & 0x80 != 0
    }

    /// "exited 42", "killed by SIGKILL", "killed by SIGSEGV (core dumped)".
    public var summary: String {
        if let signal {
            return "killed by \(SignalName.name(of: signal))" + (coreDumped ? " (core dumped)" : "")
        }
        return "exited \(exitCode ?? 0)"
    }
}

public enum SignalName {
    private static let names: [Int: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
        8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
        14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP",
        20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
        26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
    ]

    /// The highest signal number Linux has (SIGRTMAX).
    public static let highest = 64

    /// "SIGKILL", or "SIGRTMIN+3" / "signal 70" for the rest.
    public static func name(of signal: Int) -> String {
        if let name = names[signal] { return name }
        if (34...64).contains(signal) { return "SIGRTMIN+\(signal - 34)" }
        return "signal \(signal)"
    }
}
