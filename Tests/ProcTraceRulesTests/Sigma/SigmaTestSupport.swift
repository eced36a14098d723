import ProcTraceCore
import ProcTraceRules
import Testing

/// An event as a dictionary of Sigma fields (a missing field is absent).
final class FieldValues: SigmaFieldSource {
    var values: [SigmaField: String]

    init(_ values: [SigmaField: String]) {
        self.values = values
    }

    func lookUp(_ field: SigmaField, folded: Bool) -> SigmaLookup {
        guard let value = values[field] else { return .absent }
        return .value(folded ? SigmaText.folded(Array(value.utf8)) : Array(value.utf8))
    }
}

/// Compiles `yaml` as a rule, failing the test with the refusal when it does not load.
func rule(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> SigmaRule {
    switch SigmaRuleFiles.compile(yaml: yaml, file: "test.yml") {
    case .success(let rule): return rule
    case .failure(let refusal):
        Issue.record("refused: \(refusal)", sourceLocation: sourceLocation)
        throw refusal
    }
}

func refusal(_ yaml: String) -> SigmaRefusal? {
    if case .failure(let refusal) = SigmaRuleFiles.compile(yaml: yaml, file: "test.yml") { return refusal }
    return nil
}

/// A process_creation rule with `detection` as given (indented by four spaces under it).
func ruleText(_ detection: String, title: String = "Test") -> String {
    """
    title: \(title)
    id: 00000000-0000-0000-0000-000000000001
    level: high
    logsource:
        category: process_creation
        product: linux
    detection:
    \(detection.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
    """
}
