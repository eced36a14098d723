import CProcTraceBPF
import ProcTraceCore

/// Which kernel hooks the BPF backend follows reaps, credential and session
/// changes and failed execs with (docs/hooks.md says what each records).
public enum HookMode: String, CaseIterable, Sendable {
    /// The cheapest that loads: fentry, else kprobe, else sched; syscall only when none does.
    case auto
    case fentry
    case kprobe
    case sched
    case syscall

    var loaderValue: Int32 {
        switch self {
        case .auto: 0
        case .fentry: Int32(PT_HOOKS_FENTRY.rawValue)
        case .kprobe: Int32(PT_HOOKS_KPROBE.rawValue)
        case .sched: Int32(PT_HOOKS_SCHED.rawValue)
        case .syscall: Int32(PT_HOOKS_SYSCALL.rawValue)
        }
    }

    init?(loaderValue: Int32) {
        guard let mode = HookMode.allCases.first(where: { $0 != .auto && $0.loaderValue == loaderValue }) else {
            return nil
        }
        self = mode
    }

    /// Record kinds these hooks cannot see (the `start` record lists them).
    public var unavailableEvents: [String] {
        self == .sched ? [EventKind.execFailed.name] : []
    }
}
