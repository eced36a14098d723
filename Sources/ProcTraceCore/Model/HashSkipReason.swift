/// Why an `exe_sha256` is null although hashing is on (`exe_sha256_skipped`,
/// the `stop` record's `hash_skipped`, the metrics). Capture never waits for
/// a hash: each of these is a hash given up so that it would not.
public enum HashSkipReason: UInt8, CaseIterable, Sendable {
    /// Larger than `--hash-max-bytes`.
    case tooLarge = 1
    /// Not done within `--hash-wait`: the record went out without it.
    case timeout
    /// Too many hashes waiting (for this user, or for all): not started.
    case queueFull
    /// The file opened was not the version the kernel ran (rewritten,
    /// replaced, or its identity changed while it was read).
    case fileChanged
    /// Could not be opened or read (gone, not a regular file, an I/O error).
    case unreadable
    /// Its filesystem stopped answering a read: files on that device are no
    /// longer hashed (a `warning` record said so).
    case deviceStalled
    /// Reading the process's /proc entries (its arguments, its executable's
    /// identity) stopped answering: that user's processes are no longer read
    /// there (a `warning` record said so). Netlink and start snapshots only.
    case processStalled

    public var name: String {
        switch self {
        case .tooLarge: "too_large"
        case .timeout: "hash_timeout"
        case .queueFull: "hash_queue_full"
        case .fileChanged: "file_changed"
        case .unreadable: "unreadable"
        case .deviceStalled: "device_stalled"
        case .processStalled: "process_stalled"
        }
    }

    public init?(name: some StringProtocol) {
        guard let reason = HashSkipReason.allCases.first(where: { $0.name == name }) else { return nil }
        self = reason
    }
}

/// Hashes given up, by reason.
public struct HashSkipCounts: Equatable, Sendable {
    public private(set) var byReason = [UInt64](repeating: 0, count: HashSkipReason.allCases.count + 1)

    public init() {}

    public mutating func count(_ reason: HashSkipReason, by amount: UInt64 = 1) {
        byReason[Int(reason.rawValue)] += amount
    }

    public subscript(reason: HashSkipReason) -> UInt64 { byReason[Int(reason.rawValue)] }

    public var total: UInt64 { byReason.reduce(0, +) }

    public mutating func add(_ other: HashSkipCounts) {
        for index in byReason.indices { byReason[index] += other.byReason[index] }
    }

    /// `"reason: count"` for each reason that occurred, as the `stop` record lists them.
    public var summary: [String] {
        HashSkipReason.allCases.compactMap { self[$0] > 0 ? "\($0.name): \(self[$0])" : nil }
    }
}
