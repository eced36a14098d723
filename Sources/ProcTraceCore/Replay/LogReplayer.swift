import CProcTraceStandardC

/// The loop behind tail, replay and stats: every record goes through the one
/// process tree (which fills in what a record lacks, like a reap's comm),
/// then through the filter.
public final class LogReplayer {
    public let tree: ProcessTree
    @exclusivity(unchecked) public var filter: EventFilter
    /// Unreaped exits the tree keeps: a log need never reap, and the tree
    /// would hold every process that ever exited. Past twice this many, the
    /// longest-dead are forgotten (a later reap of one shows less about it).
    public let maximumZombies: Int
    /// Zombies forgotten to keep within `maximumZombies`.
    @exclusivity(unchecked) public private(set) var forgottenZombies = 0
    @exclusivity(unchecked) private var exitsSincePruning = 0

    public init(tree: ProcessTree = ProcessTree(), filter: EventFilter = EventFilter(), maximumZombies: Int = 100_000) {
        precondition(maximumZombies > 0)
        self.tree = tree
        self.filter = filter
        self.maximumZombies = maximumZombies
    }

    /// Brings the tree up to date with `event` and says whether the filter keeps it.
    @inline(__always)
    public func process(_ event: inout Event) -> Bool {
        tree.apply(&event)
        return afterTree(event)
    }

    /// `process(_:)`, also saying whether the tree changed the record (filled
    /// in what it lacked): when not, its line as read is still its line.
    @inline(__always)
    public func process(_ event: inout Event, changed: inout Bool) -> Bool {
        changed = tree.applyTellingChange(&event)
        return afterTree(event)
    }

    /// Brings the tree up to date with `event`, for a reader that keeps every record (no filter).
    @inline(__always)
    public func apply(_ event: inout Event) {
        tree.apply(&event)
        countExit(event.kind)
    }

    @inline(__always)
    private func afterTree(_ event: Event) -> Bool {
        countExit(event.kind)
        return filter.matches(event, in: tree)
    }

    @inline(__always)
    private func countExit(_ kind: EventKind) {
        if kind == .exit {
            exitsSincePruning += 1
            if exitsSincePruning >= maximumZombies { pruneZombies() }
        }
    }

    /// Looked at once every `maximumZombies` exits: O(1) per record on average.
    private func pruneZombies() {
        exitsSincePruning = 0
        forgottenZombies += tree.forgetOldestZombies(keeping: maximumZombies)
    }

    /// Decodes, applies and filters every line of `lines` (JSON Lines in
    /// memory, e.g. a whole file read at once), handing the kept records to
    /// `deliver`. Returns how many records were read. Throws at the first bad
    /// line, naming it `name:LINE`.
    @discardableResult
    public func replay(lines: UnsafeRawBufferPointer, name: String = "<memory>",
                       deliver: (inout Event) throws -> Void = { _ in }) throws -> Int {
        let decoder = JSONLineDecoder()
        guard var position = lines.baseAddress else { return 0 }
        let end = position + lines.count
        var lineNumber = 0
        while position < end {
            let newline = proctrace_find_byte(position, 0x0a, position.distance(to: end)) ?? end
            let line = UnsafeRawBufferPointer(start: position, count: position.distance(to: newline))
            position = newline + (newline < end ? 1 : 0)
            lineNumber += 1
            guard !line.isEmpty else { continue }
            var event: Event
            do {
                event = try decoder.decode(line)
            } catch let error as JSONLineDecodingError {
                throw LogReadError(path: name, line: lineNumber, reason: error.description,
                                   isNewerSchema: error.isNewerSchema)
            }
            if process(&event) { try deliver(&event) }
        }
        return lineNumber
    }
}
