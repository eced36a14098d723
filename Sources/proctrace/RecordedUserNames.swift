import ProcTraceCore
import ProcTraceLinux

/// Names for uids while hunting a recording: those it gives (`user` records)
/// first; else, for a recording made on this host, this host's (NSS). A
/// recording from another host names only the uids it recorded.
final class RecordedUserNames {
    private var recorded: [UInt32: [UInt8]?] = [:]
    private var sameHost = false
    private var warned = false
    private let warnsOfAnotherHost: Bool
    private let thisHost = HostInfo.hostName
    private let users = UserNames()

    /// `warnsOfAnotherHost`: say once that a recording is from elsewhere (the rules use `User`).
    init(warnsOfAnotherHost: Bool) {
        self.warnsOfAnotherHost = warnsOfAnotherHost
    }

    func name(of uid: UInt32) -> [UInt8]? {
        if let name = recorded[uid] { return name }
        return sameHost ? users.bytes(of: uid) : nil
    }

    /// Whether `observe` reads records of this kind (user and start).
    static func observes(_ kind: EventKind) -> Bool { kind == .user || kind == .start }

    func observe(_ event: Event) {
        if event.kind == .user, let user = event.user {
            recorded[user.uid] = .some(user.name)
        }
        guard event.kind == .start, let stream = event.stream else { return }
        sameHost = stream.host == thisHost
        if !sameHost && warnsOfAnotherHost && !warned {
            warned = true
            StandardError.warn(UntrustedText.terminalSafe(
                "recorded on \(stream.host), not here: User is known only for uids the recording names (user records)"))
        }
    }
}
