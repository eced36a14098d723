/// Real, effective and saved user and group IDs, as seen from the initial user namespace.
public struct Credentials: Hashable, Sendable {
    public var uid: UInt32
    public var euid: UInt32
    public var suid: UInt32
    public var gid: UInt32
    public var egid: UInt32
    public var sgid: UInt32

    public init(uid: UInt32, euid: UInt32, suid: UInt32, gid: UInt32, egid: UInt32, sgid: UInt32) {
        self.uid = uid
        self.euid = euid
        self.suid = suid
        self.gid = gid
        self.egid = egid
        self.sgid = sgid
    }

    public static let root = Credentials(uid: 0, euid: 0, suid: 0, gid: 0, egid: 0, sgid: 0)
}

/// Session and process group.
public struct SessionIDs: Hashable, Sendable {
    public var sid: Int32
    public var pgid: Int32

    public init(sid: Int32, pgid: Int32) {
        self.sid = sid
        self.pgid = pgid
    }
}
