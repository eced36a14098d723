import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that a sealed recording is whole and unchanged (docs/sealing.md).",
        discussion: """
            Reads the files (rotated and .gz ones too, put in the order they were written) and checks every seal: \
            the lines it covers, the chain from seal to seal and file to file, and with --key that each seal is \
            authentic and no line is dated before the key that sealed it. Says for each file whether it is intact, \
            or the first line that breaks it and the time up to which it is proven. Without --key only the chain's \
            consistency is checked: anyone can rewrite a log and its seals consistently, so authenticity is unproven.

            Exit status: 0 intact, 1 a break (or lines no seal covers), 2 the files or the key cannot be read.

            Examples:
              proctrace verify --key /root/offline/proctrace-seal.key /var/log/proctrace/events.jsonl*
              proctrace verify --ended --key seal.key archive/events.jsonl*
            """
    )

    @Option(help: ArgumentHelp("A file holding the verification key `seal init` printed (repeatable: a recording "
        + "sealed with several keys in turn).", valueName: "file"))
    var key: [String] = []

    @Flag(help: ArgumentHelp("The recording is over: its last file must end with stop and its seal (otherwise lines "
        + "after the last seal count as not sealed yet while a seal is not overdue)."))
    var ended = false

    @Argument(help: ArgumentHelp("The log files.", valueName: "file"))
    var files: [String]

    func run() throws {
        var options = SealVerifier.Options()
        options.ended = ended
        for path in key {
            guard let bytes = FileIO.readSmallFile(path, limit: 4096) else {
                StandardError.line("proctrace: cannot read the verification key \(UntrustedText.escaped(path)): "
                    + String(cString: strerror(errno)))
                throw ExitCode(2)
            }
            let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            guard let verification = SealVerificationKey(text: text) else {
                StandardError.line("proctrace: \(UntrustedText.escaped(path)) does not hold a verification key "
                    + "(the line `proctrace seal init` printed)")
                throw ExitCode(2)
            }
            options.keys[verification.keyID] = verification
        }
        let verifier = SealVerifier(options: options)
        let results: [SealVerifier.FileResult]
        do {
            results = try verifier.verify(files)
        } catch {
            StandardError.line("proctrace: \(error)")
            throw ExitCode(2)
        }
        for result in results {
            let name = UntrustedText.terminalSafe(result.path)
            let proven = result.provenUntil.map { "proven to \(RFC3339.format(nanoseconds: $0))" } ?? "nothing proven"
            if let problem = result.problem {
                let more = result.laterProblems > 0 ? " (and \(result.laterProblems) more problems after it)" : ""
                print("\(name): BROKEN at line \(problem.line): \(problem.message)\(more); \(proven)")
            } else {
                print("\(name): intact (\(result.lines) lines, \(result.seals) seals, \(proven))")
            }
            for note in result.notes { print("\(name): \(note)") }
        }
        if options.keys.isEmpty {
            print("authenticity: unproven (no --key: only the chain's consistency was checked)")
        } else {
            print("authenticity: " + (verifier.isIntact ? "proven with key " : "checked with key ")
                + options.keys.keys.sorted().joined(separator: ", "))
        }
        if !verifier.isIntact { throw ExitCode.failure }
    }
}
