/// What looks at exec records after the tree has taken them, off the thread
/// that drains the kernel (`record --rules`): it evaluates the Sigma rules
/// and names the uids the log has not named yet. The recorder holds the exec
/// and the records after it, in order, until `take` has the verdict or its
/// wait is over; it never waits on the reviewer itself.
public protocol ExecReviewer: AnyObject {
    /// Whether rules are evaluated at all (else only uids are named).
    var evaluatesRules: Bool { get }

    /// Queues a review of `exec`: its rules when `evaluate`, the names of
    /// `uids`. Returns its ticket; 0 when the queue is full (nothing is
    /// reviewed, counted in `skipped`).
    func submit(_ exec: SigmaExec, evaluate: Bool, uids: [UInt32]) -> UInt32

    /// Lets the reviewer start on what was submitted since the last call (the
    /// recorder calls it once a batch of records: a wake-up an exec cost more
    /// than the review itself).
    func wake()

    /// The verdict of `ticket`, once reviewed; nil: not yet. Never blocks.
    func take(_ ticket: UInt32) -> ExecVerdict?

    /// The exec goes out without its review (its wait is over, or the
    /// recorder needs it out now); counted in `skipped`.
    func giveUp(_ ticket: UInt32, because reason: ReviewSkipReason)

    /// Reviews not made so far, by reason.
    var skipped: ReviewSkipCounts { get }
}

extension ExecReviewer {
    public func wake() {}
}

/// What the review of one exec found.
public struct ExecVerdict: Sendable {
    /// Indices (in the reviewer's rule list) of the rules it matched, in order.
    public var matched: [Int]
    /// The uids named, each with what the host's user database says.
    public var users: [UserName]
    /// The exec's ancestry, as the recorder gave it (for the alerts; empty when none matched).
    public var ancestry: [SigmaAncestor]

    public init(matched: [Int] = [], users: [UserName] = [], ancestry: [SigmaAncestor] = []) {
        self.matched = matched
        self.users = users
        self.ancestry = ancestry
    }
}

/// Why an exec went out unreviewed.
public enum ReviewSkipReason: Int, CaseIterable, Sendable {
    /// The reviewer's queue was full (it fell behind).
    case queueFull
    /// Its verdict did not come within the wait.
    case timeout
    /// More records waited behind it than the bound allows.
    case held
    /// The log file rotated while it waited (the next file's heads follow the tree).
    case rotation

    public var name: String {
        switch self {
        case .queueFull: "queue_full"
        case .timeout: "timeout"
        case .held: "held"
        case .rotation: "rotation"
        }
    }
}

/// Reviews skipped, by reason.
public struct ReviewSkipCounts: Sendable, Equatable {
    public var counts = [UInt64](repeating: 0, count: ReviewSkipReason.allCases.count)

    public init() {}

    public subscript(reason: ReviewSkipReason) -> UInt64 {
        get { counts[reason.rawValue] }
        set { counts[reason.rawValue] = newValue }
    }

    public var total: UInt64 { counts.reduce(0, +) }
}
