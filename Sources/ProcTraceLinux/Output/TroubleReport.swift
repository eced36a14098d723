/// What a network output says about an unreachable or flapping receiver:
/// the first failure once, then at most one line an interval (and one at the
/// stop) with how many connection attempts failed and how many connections
/// the receiver broke, until a delivery goes through again. The unit turns
/// journald's rate limit off, so this is the only limit on these lines.
struct TroubleReport {
    static let interval: Int64 = 60_000_000_000

    let name: String
    private var troubleSince: Int64?
    private var lastSaid: Int64 = 0
    private var failedAttempts = 0
    private var brokenConnections = 0
    private var lastError = ""

    init(name: String) {
        self.name = name
    }

    var isInTrouble: Bool { troubleSince != nil }

    /// A connection attempt failed (`connecting`) or a connection broke; returns a line to say, if it is time.
    mutating func failed(_ message: String, connecting: Bool, now: Int64) -> String? {
        if connecting { failedAttempts += 1 } else { brokenConnections += 1 }
        lastError = message
        guard troubleSince != nil else {
            troubleSince = now
            lastSaid = now
            failedAttempts = 0
            brokenConnections = 0
            return "\(message); records wait and are sent when it is back"
        }
        return now - lastSaid >= Self.interval ? summary(now: now) : nil
    }

    /// A delivery went through; returns a line to say if there was trouble.
    mutating func delivered(now: Int64) -> String? {
        guard let since = troubleSince else { return nil }
        troubleSince = nil
        return "\(name): delivering again after \(Self.seconds(now - since)) s; sending what waited"
    }

    /// The counts not yet said, if any (at the stop).
    mutating func unsaid(now: Int64) -> String? {
        guard troubleSince != nil, failedAttempts + brokenConnections > 0 else { return nil }
        return summary(now: now)
    }

    private mutating func summary(now: Int64) -> String {
        var counts: [String] = []
        if failedAttempts > 0 { counts.append("\(failedAttempts) failed connection attempts") }
        if brokenConnections > 0 { counts.append("\(brokenConnections) connections broken by the receiver") }
        let last = lastError.hasPrefix(name + ": ") ? String(lastError.dropFirst(name.count + 2)) : lastError
        let line = "\(name): still not delivering: " + counts.joined(separator: " and ")
            + " in the last \(Self.seconds(now - lastSaid)) s (last: \(last)); records wait"
        lastSaid = now
        failedAttempts = 0
        brokenConnections = 0
        return line
    }

    private static func seconds(_ nanoseconds: Int64) -> Int64 {
        (nanoseconds + 500_000_000) / 1_000_000_000
    }
}
