/// The schema a record stream is written in: proctrace's own (docs/events.md),
/// Elastic Common Schema, or OCSF's Process Activity (docs/formats.md).
public enum OutputFormat: String, CaseIterable, Sendable {
    case proctrace, ecs, ocsf

    /// From a command-line or config-file value; nil for anything else.
    public init?(name: some StringProtocol) {
        guard let format = OutputFormat.allCases.first(where: { $0.rawValue == name }) else { return nil }
        self = format
    }

    public static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// The schema version each foreign format's mapping was checked against
    /// (docs/formats.md; the references are in Tests/Fixtures/schemas).
    static let ecsVersion: StaticString = "9.5.0-dev"
    static let ocsfVersion: StaticString = "1.9.0-dev"
}
