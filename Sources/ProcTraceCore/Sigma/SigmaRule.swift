/// A Sigma rule that proctrace can evaluate: what the alert says about it,
/// and its detection compiled.
public final class SigmaRule: Sendable {
    public let title: String
    /// The rule's `id` (a UUID in SigmaHQ's rules); empty when it has none.
    public let id: String
    public let level: String
    public let status: String
    public let description: String
    public let tags: [String]
    public let references: [String]
    public let author: String
    /// Where it came from: the file, for alerts and messages.
    public let file: String
    /// The search identifiers, in the order the rule lists them, and what each stands for.
    public let identifiers: [String]
    public let searches: [SigmaSearch]
    public let condition: SigmaCondition

    init(title: String, id: String, level: String, status: String, description: String, tags: [String],
         references: [String], author: String, file: String, identifiers: [String], searches: [SigmaSearch],
         condition: SigmaCondition) {
        self.title = title
        self.id = id
        self.level = level
        self.status = status
        self.description = description
        self.tags = tags
        self.references = references
        self.author = author
        self.file = file
        self.identifiers = identifiers
        self.searches = searches
        self.condition = condition
    }

    /// Whether the event the source describes matches (unknown: the source did not know enough).
    public func evaluate(_ source: SigmaFieldSource) -> SigmaTruth {
        condition.evaluate(searches, source)
    }

    public func matches(_ source: SigmaFieldSource) -> Bool {
        evaluate(source) == .yes
    }

    /// Every field the detection reads.
    public var fields: Set<SigmaField> {
        var fields: Set<SigmaField> = []
        for search in searches {
            switch search {
            case .fields(let alternatives): for items in alternatives { for item in items { fields.insert(item.field) } }
            case .keywords: fields.formUnion(SigmaField.allCases)
            }
        }
        return fields
    }
}

/// A rule that was not loaded, and why: its file, the line of what could not be evaluated, and the reason.
public struct SigmaRefusal: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String
    /// The rule's title when it got that far (for lists of refusals).
    public var title: String?

    public init(file: String, line: Int, reason: String, title: String? = nil) {
        self.file = file
        self.line = line
        self.reason = reason
        self.title = title
    }

    public var description: String { "\(file):\(line): \(reason)" }
}
