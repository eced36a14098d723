import ProcTraceCore

/// A ParentLookup that answers from a table (unlisted processes: `.unknown`)
/// and remembers what it was asked.
public final class FakeParentLookup: ParentLookup {
    public var answers: [ProcessID: ParentLookupResult]
    public private(set) var questions: [ProcessID] = []

    public init(_ answers: [ProcessID: ParentLookupResult] = [:]) {
        self.answers = answers
    }

    public func parent(of id: ProcessID) -> ParentLookupResult {
        questions.append(id)
        return answers[id] ?? .unknown
    }
}
