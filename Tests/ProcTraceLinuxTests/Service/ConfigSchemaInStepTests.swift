import Foundation
import ProcTraceCore
import Testing

/// The configuration file's keys (RecordSettingsSchema) are `record`'s options
/// spelled with `_`: read the options from the command itself, so a new option
/// without a key, or a key whose option was renamed, fails here.
@Suite(.blocking) struct ConfigSchemaInStepTests {
    /// Options that only make sense on the command line.
    static let commandLineOnly: Set<String> = ["--config", "--help", "--version", "--no-exclude-self"]

    @Test func everyRecordOptionHasAKeyAndEveryKeyAnOption() throws {
        let (status, output) = try LiveRecording.run(Binaries.proctrace, ["--experimental-dump-help"])
        #expect(status == 0)
        let dump = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let command = try #require(dump["command"] as? [String: Any])
        let subcommands = try #require(command["subcommands"] as? [[String: Any]])
        let record = try #require(subcommands.first { $0["commandName"] as? String == "record" })
        let arguments = try #require(record["arguments"] as? [[String: Any]])
        var options: [String: String?] = [:]  // long option -> its short form
        for argument in arguments {
            let names = argument["names"] as? [[String: String]] ?? []
            guard let long = names.first(where: { $0["kind"] == "long" })?["name"] else { continue }
            let short = names.first { $0["kind"] == "short" }?["name"].map { "-" + $0 }
            options.updateValue(short, forKey: "--" + long)  // a subscript set of nil would drop the key
        }
        let keyed = Dictionary(uniqueKeysWithValues: RecordSettingsSchema.keys.map { ($0.option, $0.shortOption) })
        let missingKeys = Set(options.keys).subtracting(keyed.keys).subtracting(Self.commandLineOnly)
        #expect(missingKeys.isEmpty, "record options with no configuration key: \(missingKeys.sorted())")
        let missingOptions = Set(keyed.keys).subtracting(options.keys)
        #expect(missingOptions.isEmpty, "configuration keys with no record option: \(missingOptions.sorted())")
        for (option, short) in keyed where options[option] != nil {
            #expect(options[option]! == short, "\(option): short form \(String(describing: options[option]!)) vs key's \(String(describing: short))")
        }
        // The backend names the file accepts are the ones the command accepts.
        let backend = try #require(RecordSettingsSchema.key(named: "backend"))
        if case let .string(choices?) = backend.kind {
            let (_, _, errors) = try LiveRecording.runCapturingErrors(
                Binaries.proctrace, ["record", "--config", "/dev/null", "--backend", "nonsense"])
            for choice in choices { #expect(errors.contains(choice), "\(choice) in: \(errors)") }
        } else {
            Issue.record("backend is not a string with choices")
        }
    }
}
