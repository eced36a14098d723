/// Every record a proctrace log can hold, with its JSON name.
public enum EventKind: UInt8, CaseIterable, Sendable {
    case start
    case exists
    case fork
    case exec
    case exit
    case reap
    case threadStart
    case threadExit
    case comm
    case cred
    case session
    case reparent
    case lost
    case resync
    case stop
    case execFailed
    /// The recorder tells the reader something it gave up on (e.g. a stalled device).
    case warning
    /// A MAC over the lines since the previous seal (docs/sealing.md).
    case seal
    /// A Sigma rule matched the exec before it (`record --rules`, docs/hunting.md).
    case alert
    /// The name the host gives a uid, once per uid (docs/hunting.md, "User").
    case user

    /// The value of the `event` field.
    public var name: String { jsonName.description }

    /// The value of the `event` field, without building a String.
    var jsonName: StaticString {
        switch self {
        case .start: "start"
        case .exists: "exists"
        case .fork: "fork"
        case .exec: "exec"
        case .exit: "exit"
        case .reap: "reap"
        case .threadStart: "thread_start"
        case .threadExit: "thread_exit"
        case .comm: "comm"
        case .cred: "cred"
        case .session: "session"
        case .reparent: "reparent"
        case .lost: "lost"
        case .resync: "resync"
        case .stop: "stop"
        case .execFailed: "exec_failed"
        case .warning: "warning"
        case .seal: "seal"
        case .alert: "alert"
        case .user: "user"
        }
    }

    public init?(name: some StringProtocol) {
        guard let kind = EventKind.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }

    /// Records about one process (they carry pid, ppid and comm).
    public var isProcessRecord: Bool {
        switch self {
        case .start, .lost, .resync, .stop, .warning, .seal, .alert, .user: false
        default: true
        }
    }
}
