import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

/// `record` options for running as a service: the configuration file,
/// secrets kept out of the log, and what happens to privileges (docs/service.md).
struct ServiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Read settings from FILE (TOML; the command line wins over it). Default: \(ConfigurationFile.defaultPath), "
            + "when it exists.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("redact"), parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Mask secrets in logged arguments (repeatable). An option name (--password, -p) masks the argument after "
            + "it and the value in NAME=VALUE (and -pVALUE); a pattern with * or ? masks every argument it matches "
            + "whole.", valueName: "pattern"))
    var redactPatterns: [String] = []

    @Flag(help: "Keep every capability after start (by default record gives up those it no longer needs).")
    var keepCapabilities = false

    @Option(help: ArgumentHelp(
        "Seal the records with the key state in FILE (proctrace seal init makes it; docs/sealing.md): seal records "
            + "at each interval of the key, at rotation and at stop, checked by proctrace verify. The default "
            + "\(SealKeyFile.defaultPath) missing means no sealing, said once; any other FILE must exist.",
        valueName: "file"))
    var sealKey: String?

    func validate() throws {
        do {
            _ = try ArgumentRedactor(patterns: redactPatterns)
        } catch {
            throw ValidationError("--redact: \(error)")
        }
    }

    /// Applies these options to the session's configuration.
    func configure(_ configuration: inout RecordConfiguration) throws {
        configuration.dropCapabilitiesAfterStart = !keepCapabilities
        if let sealKey {
            if sealKey == SealKeyFile.defaultPath, access(sealKey, F_OK) != 0, errno == ENOENT {
                StandardError.line("proctrace: not sealing: no key state at \(sealKey) (proctrace seal init makes one)")
            } else {
                configuration.sealKeyPath = sealKey
            }
        }
        let redactor = try ArgumentRedactor(patterns: redactPatterns)
        if !redactor.isEmpty {
            configuration.transform = redactor.apply
        }
    }
}
