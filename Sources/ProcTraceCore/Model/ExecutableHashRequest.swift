/// What hashing an executable needs to know: which process ran which file,
/// and that file's version as the kernel (or a `stat` at the record) saw it.
public struct ExecutableHashRequest: Sendable {
    public var pid: Int32
    /// Whose share of the hashing budget it uses (the real uid).
    public var uid: UInt32
    public var device: DeviceNumber
    public var inode: UInt64
    /// Size and times at the exec; nil when the kernel could not say. Only
    /// bytes of this version are ever hashed.
    public var version: FileVersion?
    /// The kernel's resolved path, for a process gone before it is hashed.
    public var path: [UInt8]?

    public init(pid: Int32, uid: UInt32, device: DeviceNumber, inode: UInt64, version: FileVersion?, path: [UInt8]?) {
        self.pid = pid
        self.uid = uid
        self.device = device
        self.inode = inode
        self.version = version
        self.path = path
    }
}

/// What a hash lookup on the draining thread finds: never a wait.
public enum ExecutableDigestLookup: Sendable, Equatable {
    case digest(SHA256Digest)
    /// Hashing goes on elsewhere: the record holds this ticket.
    case pending(ticket: UInt32)
    case skipped(HashSkipReason)
    /// Hashing is off.
    case off
}

extension Event {
    /// Sets `exe_sha256` (or why it is null) from a lookup; a pending one
    /// leaves the record waiting with its ticket.
    public mutating func applyDigestLookup(_ lookup: ExecutableDigestLookup, to context: inout ProcessContext) {
        switch lookup {
        case .digest(let digest):
            context.exeSHA256 = digest
        case .pending(let ticket):
            enrichmentTicket = ticket
            unavailable.insert(.exeSHA256)
        case .skipped(let reason):
            context.exeSHA256Skipped = reason
            unavailable.insert(.exeSHA256)
        case .off:
            unavailable.insert(.exeSHA256)
        }
    }

    /// Ends a wait for the hash: the digest, or null with why.
    public mutating func completeDigest(_ result: Result<SHA256Digest, HashSkipError>) {
        enrichmentTicket = 0
        guard var context else { return }
        switch result {
        case .success(let digest):
            context.exeSHA256 = digest
            context.exeSHA256Skipped = nil
            unavailable.remove(.exeSHA256)
        case .failure(let skip):
            context.exeSHA256 = nil
            context.exeSHA256Skipped = skip.reason
            unavailable.insert(.exeSHA256)
        }
        self.context = context
    }
}

/// A HashSkipReason as an Error, for Result.
public struct HashSkipError: Error, Equatable, Sendable {
    public let reason: HashSkipReason
    public init(_ reason: HashSkipReason) { self.reason = reason }
}
