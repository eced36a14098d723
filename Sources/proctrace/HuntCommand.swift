import ArgumentParser
import ProcTraceCore
import ProcTraceLinux
import ProcTraceRules

struct HuntCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hunt",
        abstract: "Evaluate Sigma rules on the execs of recordings, with each match's ancestry.",
        discussion: """
            Reads Sigma process_creation rules (YAML files, or directories of them; repeat --rules) \
            and evaluates every exec record of the logs, rebuilding the process tree as it reads, so \
            ParentImage and ParentCommandLine are the parent's at the moment of the exec. Each match \
            is printed with the rule, the record (seq, pid, time) and the process's ancestors up to \
            init. A rule that cannot be evaluated is named with its file, line and reason on standard \
            error; the others still run. docs/hunting.md has the field mapping.

            Exit status: 0 nothing matched; 1 at least one alert; 2 the rules or the logs could not \
            be read, no rule could be evaluated, or the alerts could not be written; 64 a usage error.

            Examples:
              proctrace hunt --rules sigma/rules/linux/process_creation events.jsonl*
              proctrace hunt --rules mine.yml --rules sigma/ --json events.jsonl | jq .rule.title
            """
    )

    @Option(name: .customLong("rules"),
            help: ArgumentHelp("A Sigma rule file, or a directory of them (read recursively). Repeat for more.",
                               valueName: "path"))
    var rules: [String] = []

    @OptionGroup var input: LogInputOptions

    @Flag(help: "Print each alert as one JSON object per line.")
    var json = false

    func validate() throws {
        if rules.isEmpty { throw ValidationError("Name the rules with --rules, e.g. --rules sigma/rules/linux/process_creation.") }
    }

    func run() throws {
        TerminationSignals.unblock()
        let matched: Int
        do {
            matched = try hunt()
        } catch {
            // Anything that stopped the hunt (unreadable rules or logs, a failed write) is 2: 1 means "matched".
            HostInfo.standardError("Error: " + UntrustedText.terminalSafe("\(error)"))
            throw ExitCode(2)
        }
        if matched > 0 { throw ExitCode(1) }
    }

    /// Returns how many alerts were printed.
    private func hunt() throws -> Int {
        let loaded = try SigmaRuleFiles.load(rules)
        for refusal in loaded.refusals {
            StandardError.warn(UntrustedText.terminalSafe("\(refusal) (rule not loaded)"))
        }
        guard !loaded.rules.isEmpty else {
            throw HuntFailure(description: "no rule could be evaluated (\(loaded.files) file\(loaded.files == 1 ? "" : "s") read)")
        }
        let usesUser = loaded.rules.contains { $0.fields.contains(.user) }
        let replayer = LogReplayer()
        let hunter = SigmaHunter(rules: loaded.rules)
        let names = RecordedUserNames(warnsOfAnotherHost: usesUser)
        hunter.userName = names.name(of:)
        let out = ByteBuffer(capacity: 64 * 1024)
        var alerts = 0
        func flush() throws {
            try RecordOutput.writeStandardOutput(out.bytes)
            out.removeAll()
        }
        // Of fork, exit and reap lines hunt needs only what the tree keeps (TreeLineSkim; docs/hunting.md).
        // An exec's own fields are scanned for the rules' literals where it was decoded: the thread that
        // takes the records in order (tree, rules) is what hunt waits for.
        let prescanner = hunter.prescanner
        try input.forEachRecord(flushing: flush, skimmingTreeLines: true,
                                annotating: { prescanner.prescan(&$0, into: &$1) }) { event, prescanned in
            replayer.apply(&event)
            // Handing a record on copies it (~285 bytes): only to whom it concerns.
            if RecordedUserNames.observes(event.kind) { names.observe(event) }
            guard SigmaHunter.observes(event.kind) else { return true }
            try hunter.observe(event, in: replayer.tree, prescanned: prescanned) { alert in
                alerts += 1
                if json {
                    SigmaAlertRenderer.appendJSON(alert, to: out)
                } else {
                    if alerts > 1 { out.append("\n") }
                    out.append(contentsOf: SigmaAlertRenderer.text(alert).utf8)
                }
                if out.count >= 60 * 1024 { try flush() }
            }
            return true
        }
        StandardError.line("hunt: \(loaded.rules.count) rule\(loaded.rules.count == 1 ? "" : "s") loaded"
            + (loaded.refusals.isEmpty ? "" : ", \(loaded.refusals.count) refused")
            + ", \(hunter.execCount) exec\(hunter.execCount == 1 ? "" : "s") evaluated, \(alerts) alert\(alerts == 1 ? "" : "s")")
        return alerts
    }
}

/// Why hunt could not run, in one line.
struct HuntFailure: Error, CustomStringConvertible {
    let description: String
}
