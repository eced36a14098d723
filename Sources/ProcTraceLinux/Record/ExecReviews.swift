import ProcTraceCore

/// A recording's exec reviewer (rules, user names) and the rules it
/// evaluates, in the Recorder's order.
struct ExecReviews {
    let pool: ExecReviewPool
    let rules: [SigmaRule]

    /// The reviewer `configuration` asks for; nil: no rules and no user names.
    static func start(_ configuration: RecordConfiguration) throws(RecordFailure) -> ExecReviews? {
        let rules = configuration.rules ?? []
        guard !rules.isEmpty || configuration.nameUsers else { return nil }
        guard let pool = ExecReviewPool(rules: rules, queueLimit: configuration.reviewQueue) else {
            throw .startingReviewer
        }
        return ExecReviews(pool: pool, rules: rules)
    }

    /// How the Recorder hands it execs and how long records wait for it.
    func recorderReview(_ configuration: RecordConfiguration) -> Recorder.Review {
        Recorder.Review(reviewer: pool, rules: rules, wait: configuration.reviewWait,
                        records: max(configuration.reviewQueue * 4, 1_024), clock: { Clock.monotonicNanoseconds })
    }
}
