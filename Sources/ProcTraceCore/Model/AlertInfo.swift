/// What an `alert` record says: the rule that matched the exec before it,
/// and that process's ancestors as the tree held them at the exec.
public struct AlertInfo: Sendable {
    public var ruleID: String
    public var title: String
    public var level: String
    public var tags: [String]
    /// The matched exec's seq (nil only when a line read has null).
    public var execSeq: UInt64?
    /// Parent first, up to init or the first process the recording never showed.
    public var ancestry: [SigmaAncestor]

    public init(ruleID: String, title: String, level: String, tags: [String], execSeq: UInt64?,
                ancestry: [SigmaAncestor]) {
        self.ruleID = ruleID
        self.title = title
        self.level = level
        self.tags = tags
        self.execSeq = execSeq
        self.ancestry = ancestry
    }
}

/// What a `user` record says: the name the recording host's user database
/// gives a uid (nil: it has none).
public struct UserName: Hashable, Sendable {
    public var uid: UInt32
    public var name: [UInt8]?

    public init(uid: UInt32, name: [UInt8]?) {
        self.uid = uid
        self.name = name
    }
}

/// An alert or a user name behind one reference (Event.alert, Event.user).
final class RecordAnnexStorage: Sendable {
    let alert: AlertInfo?
    let user: UserName?
    init(alert: AlertInfo) {
        self.alert = alert
        user = nil
    }
    init(user: UserName) {
        self.user = user
        alert = nil
    }
}
