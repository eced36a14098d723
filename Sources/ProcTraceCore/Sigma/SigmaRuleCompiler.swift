/// Turns a parsed rule document into a SigmaRule, or says why it cannot be
/// evaluated here (the line of the part it cannot evaluate, and the reason).
///
/// Refused: logsources other than Linux process creation; fields without a
/// proctrace equivalent; modifiers other than contains, startswith,
/// endswith, all, re (with i, m, s), exists and cased; aggregations and
/// correlations; malformed detections and conditions.
public enum SigmaRuleCompiler {
    public static let supportedModifiers = ["contains", "startswith", "endswith", "all", "re", "i", "m", "s",
                                            "exists", "cased"]

    /// `regex` compiles `re` values (Core has no engine of its own: hunt passes PCRE2).
    public static func compile(_ document: SigmaNode, file: String,
                               regex: SigmaRegexCompiler) -> Result<SigmaRule, SigmaRefusal> {
        var title: String?
        do {
            guard case .mapping = document else {
                throw SigmaRefusal(file: file, line: document.line, reason: "a rule is a mapping, not \(document.kindName)")
            }
            if let correlation = document["correlation"] {
                throw SigmaRefusal(file: file, line: correlation.line,
                                   reason: "correlation rules (events counted over time) are not supported")
            }
            guard let titleText = document["title"]?.text, !titleText.isEmpty else {
                throw SigmaRefusal(file: file, line: document.line, reason: "the rule has no title")
            }
            title = titleText
            try checkLogSource(document, file: file)
            guard let detection = document["detection"] else {
                throw SigmaRefusal(file: file, line: document.line, reason: "the rule has no detection")
            }
            guard case .mapping(let entries, _) = detection else {
                throw SigmaRefusal(file: file, line: detection.line, reason: "detection must be a mapping")
            }
            var identifiers: [String] = []
            var searches: [SigmaSearch] = []
            var conditionNode: SigmaNode?
            for entry in entries {
                switch entry.key.text {
                case "condition":
                    conditionNode = entry.value
                case "timeframe":
                    throw SigmaRefusal(file: file, line: entry.key.line,
                                       reason: "timeframe (events counted over time) is not supported")
                default:
                    identifiers.append(entry.key.text)
                    searches.append(try search(entry.value, file: file, regex: regex))
                }
            }
            guard let conditionNode else {
                throw SigmaRefusal(file: file, line: detection.line, reason: "detection has no condition")
            }
            searches = searches.map { $0.orderedByCost() }
            let condition = try parseCondition(conditionNode, identifiers: identifiers, file: file).orderedByCost(searches)
            return .success(SigmaRule(
                title: titleText, id: document["id"]?.text ?? "", level: document["level"]?.text ?? "",
                status: document["status"]?.text ?? "", description: document["description"]?.text ?? "",
                tags: strings(document["tags"]), references: strings(document["references"]),
                author: document["author"]?.text ?? "", file: file, identifiers: identifiers, searches: searches,
                condition: condition))
        } catch var refusal as SigmaRefusal {
            refusal.title = title
            return .failure(refusal)
        } catch {
            return .failure(SigmaRefusal(file: file, line: document.line, reason: "\(error)", title: title))
        }
    }

    private static func strings(_ node: SigmaNode?) -> [String] {
        switch node {
        case .scalar(let scalar)?: [scalar.text]
        case .sequence(let items, _)?: items.compactMap(\.text)
        default: []
        }
    }

    private static func checkLogSource(_ document: SigmaNode, file: String) throws {
        guard let logsource = document["logsource"] else {
            throw SigmaRefusal(file: file, line: document.line,
                               reason: "the rule has no logsource (proctrace evaluates process_creation rules)")
        }
        let category = logsource["category"]?.text
        guard category == "process_creation" else {
            let what = category.map { "category \($0)" } ?? (logsource["service"]?.text.map { "service \($0)" } ?? "no category")
            throw SigmaRefusal(file: file, line: logsource.line,
                               reason: "logsource \(what): proctrace's records are process creations (category process_creation)")
        }
        if let product = logsource["product"]?.text, product != "linux" {
            throw SigmaRefusal(file: file, line: logsource["product"]!.line,
                               reason: "logsource product \(product): proctrace records Linux processes")
        }
        if let service = logsource["service"]?.text {
            throw SigmaRefusal(file: file, line: logsource["service"]!.line,
                               reason: "logsource service \(service): proctrace is not that log")
        }
    }

    private static func parseCondition(_ node: SigmaNode, identifiers: [String], file: String) throws -> SigmaCondition {
        let texts: [(String, Int)]
        switch node {
        case .scalar(let scalar): texts = [(scalar.text, scalar.line)]
        case .sequence(let items, _):
            // The old list form: any of them.
            texts = try items.map { item in
                guard let text = item.text else {
                    throw SigmaRefusal(file: file, line: item.line, reason: "a condition is a string")
                }
                return (text, item.line)
            }
        case .mapping:
            throw SigmaRefusal(file: file, line: node.line, reason: "a condition is a string")
        }
        var conditions: [SigmaCondition] = []
        for (text, line) in texts {
            do {
                conditions.append(try SigmaConditionParser.parse(text, identifiers: identifiers))
            } catch {
                throw SigmaRefusal(file: file, line: line, reason: error.reason)
            }
        }
        guard !conditions.isEmpty else { throw SigmaRefusal(file: file, line: node.line, reason: "the condition is empty") }
        return conditions.count == 1 ? conditions[0] : .or(conditions)
    }

    private static func search(_ node: SigmaNode, file: String, regex: SigmaRegexCompiler) throws -> SigmaSearch {
        switch node {
        case .mapping(let entries, _):
            return .fields([try items(entries, file: file, regex: regex)])
        case .sequence(let elements, let line):
            guard !elements.isEmpty else { throw SigmaRefusal(file: file, line: line, reason: "an empty list") }
            if elements.allSatisfy({ if case .mapping = $0 { true } else { false } }) {
                return .fields(try elements.map { element in
                    guard case .mapping(let entries, _) = element else { return [] }
                    return try items(entries, file: file, regex: regex)
                })
            }
            if elements.allSatisfy({ if case .scalar = $0 { true } else { false } }) {
                return .keywordSearch(try elements.map { try matcher(for: $0, modifiers: ["contains"], file: file, regex: regex) })
            }
            throw SigmaRefusal(file: file, line: line, reason: "a list must hold only mappings or only values (keywords)")
        case .scalar(let scalar):
            return .keywordSearch([try matcher(for: .scalar(scalar), modifiers: ["contains"], file: file, regex: regex)])
        }
    }

    private static func items(_ entries: [SigmaMappingEntry], file: String, regex: SigmaRegexCompiler) throws -> [SigmaFieldItem] {
        try entries.map { entry in
            let parts = entry.key.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            let name = parts[0]
            let modifiers = Array(parts.dropFirst())
            guard !name.isEmpty else {
                throw SigmaRefusal(file: file, line: entry.key.line,
                                   reason: "a value with modifiers but no field ('\(entry.key.text)') is not supported")
            }
            guard let field = SigmaField(name: name) else {
                throw SigmaRefusal(file: file, line: entry.key.line,
                                   reason: "field '\(name)' has no proctrace equivalent (docs/hunting.md lists the fields)")
            }
            for modifier in modifiers where !supportedModifiers.contains(modifier) {
                throw SigmaRefusal(file: file, line: entry.key.line, reason: "modifier '\(modifier)' is not supported")
            }
            try checkCombination(modifiers, line: entry.key.line, file: file)
            let values: [SigmaNode]
            switch entry.value {
            case .sequence(let elements, let line):
                guard !elements.isEmpty else {
                    throw SigmaRefusal(file: file, line: line, reason: "'\(entry.key.text)' has an empty list of values")
                }
                values = elements
            default:
                values = [entry.value]
            }
            let matchers = try values.map { try matcher(for: $0, modifiers: modifiers, file: file, regex: regex) }
            return SigmaFieldItem(field: field, matchers: matchers, requiresAll: modifiers.contains("all"))
        }
    }

    private static func checkCombination(_ modifiers: [String], line: Int, file: String) throws {
        let placing = modifiers.filter { ["contains", "startswith", "endswith"].contains($0) }
        if placing.count > 1 {
            throw SigmaRefusal(file: file, line: line, reason: "modifiers \(placing.joined(separator: ", ")) contradict each other")
        }
        if modifiers.contains("re") && (!placing.isEmpty || modifiers.contains("cased")) {
            throw SigmaRefusal(file: file, line: line, reason: "'re' cannot be combined with \((placing + ["cased"]).filter(modifiers.contains).joined(separator: ", "))")
        }
        let flags = modifiers.filter { ["i", "m", "s"].contains($0) }
        if !flags.isEmpty && !modifiers.contains("re") {
            throw SigmaRefusal(file: file, line: line, reason: "modifier '\(flags[0])' applies to 're' only")
        }
        if modifiers.contains("exists") && modifiers.count > 1 {
            throw SigmaRefusal(file: file, line: line, reason: "'exists' takes no other modifier")
        }
    }

    private static func matcher(for node: SigmaNode, modifiers: [String], file: String,
                                regex: SigmaRegexCompiler) throws -> SigmaValueMatcher {
        guard case .scalar(let scalar) = node else {
            throw SigmaRefusal(file: file, line: node.line, reason: "a value must be a single value, not \(node.kindName)")
        }
        if modifiers.contains("exists") {
            switch scalar.text {
            case "true", "True", "TRUE": return .exists(true)
            case "false", "False", "FALSE": return .exists(false)
            default: throw SigmaRefusal(file: file, line: scalar.line, reason: "'exists' takes true or false")
            }
        }
        if scalar.isNull { return .null }
        if modifiers.contains("re") {
            do {
                return .regex(try regex(scalar.text, SigmaRegexFlags(ignoreCase: modifiers.contains("i"),
                                                                     multiline: modifiers.contains("m"),
                                                                     dotAll: modifiers.contains("s"))))
            } catch {
                throw SigmaRefusal(file: file, line: scalar.line, reason: "regular expression '\(scalar.text)' does not compile: \(error)")
            }
        }
        return .pattern(SigmaPattern(scalar.text, leadingAnyRun: modifiers.contains("contains") || modifiers.contains("endswith"),
                                     trailingAnyRun: modifiers.contains("contains") || modifiers.contains("startswith"),
                                     cased: modifiers.contains("cased")))
    }
}
