#if canImport(Glibc)
import Glibc
#endif

/// The loop behind tail, replay and stats: every record goes through the one
/// process tree (which fills in what a record lacks, like a reap's comm),
/// then through the filter.
public final class LogReplayer {
    public let tree: ProcessTree
    public var filter: EventFilter

    public init(tree: ProcessTree = ProcessTree(), filter: EventFilter = EventFilter()) {
        self.tree = tree
        self.filter = filter
    }

    /// Brings the tree up to date with `event` and says whether the filter keeps it.
    @inline(__always)
    public func process(_ event: inout Event) -> Bool {
        tree.apply(&event)
        return filter.matches(event, in: tree)
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
            let newline = memchr(position, 0x0a, position.distance(to: end)).map { UnsafeRawPointer($0) } ?? end
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
