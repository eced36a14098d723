/// Jobs queued per user and taken round-robin across users, so one user's
/// flood of misses waits behind itself and degrades only its own hashes.
/// Bounded per user and in all. Not synchronised (HashWorkerPool's lock).
struct FairJobQueue<Job> {
    let perUser: Int
    let total: Int
    private var queues: [UInt32: [Job]] = [:]
    /// Users with jobs, in turn order; `turn` is whose job goes next.
    private var users: [UInt32] = []
    private var turn = 0
    private(set) var count = 0

    init(perUser: Int, total: Int) {
        self.perUser = max(perUser, 1)
        self.total = max(total, 1)
    }

    /// False when the user's share or the whole queue is full.
    mutating func append(_ job: Job, for user: UInt32) -> Bool {
        guard count < total, queues[user, default: []].count < perUser else { return false }
        if queues[user]?.isEmpty ?? true { users.append(user) }
        queues[user, default: []].append(job)
        count += 1
        return true
    }

    /// The next job in turn among users `mayRun` lets start one now.
    mutating func next(mayRun: (UInt32) -> Bool = { _ in true }) -> Job? {
        guard !users.isEmpty else { return nil }
        if turn >= users.count { turn = 0 }
        guard let offset = (0..<users.count).first(where: { mayRun(users[(turn + $0) % users.count]) }) else { return nil }
        turn = (turn + offset) % users.count
        let user = users[turn]
        let job = queues[user]!.removeFirst()
        count -= 1
        if queues[user]!.isEmpty {
            queues[user] = nil
            users.remove(at: turn)
        } else {
            turn += 1
        }
        return job
    }
}
