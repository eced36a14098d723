import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Manage the key that seals recordings (docs/sealing.md).",
        subcommands: [SealInitCommand.self]
    )
}

struct SealInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the sealing key state and print its verification key, once.",
        discussion: """
            Writes a new key state (readable by its owner only) for `record --seal-key` and prints the \
            verification key on standard output: keep it off this host (whoever has it can forge seals), and give \
            it to `proctrace verify --key FILE`. The key moves on at each interval and the old one is erased, so \
            whoever takes the host later cannot re-seal what was sealed before. When the key file's directory \
            belongs to another user (the service's, after it ran), the key file is given to that user. \
            With --force an existing state is replaced (a new key): the new chain goes on from the old one's last seal.

            Examples:
              sudo proctrace seal init > /root/offline/proctrace-seal.key && sudo systemctl restart proctrace
              sudo proctrace seal init --key-file /var/lib/proctrace/seal.key --interval 1h
            """
    )

    @Option(help: ArgumentHelp("The key state file.", valueName: "path"))
    var keyFile: String = SealKeyFile.defaultPath

    @Option(help: ArgumentHelp("How long each key seals before the next replaces it (e.g. 15m, 1h, 30s): the most a "
        + "thief of the host can re-seal, and how often seal records are written.", valueName: "duration"))
    var interval: SealInterval = SealInterval(seconds: 900)

    @Flag(help: "Replace an existing key state.")
    var force = false

    func run() throws {
        do {
            try createDirectoryIfMissing()
            // Root makes the key for whoever owns its directory (the service's user, once it ran).
            let owner = geteuid() == 0 ? directoryOwner() : geteuid()
            let file = try SealKeyFile(path: keyFile, effectiveUser: owner)
            var previousMAC: SHA256Digest?
            if file.exists {
                guard force else {
                    StandardError.line("proctrace: \(UntrustedText.escaped(keyFile)) exists: a key state is there already "
                        + "(--force replaces it; recordings sealed with it still verify with its verification key)")
                    throw ExitCode.failure
                }
                previousMAC = try? file.load().lastMAC
            }
            let key = try SealKeySchedule.randomKey()
            let now = Clock.realtimeNanoseconds / 1_000_000_000
            let verification = SealVerificationKey(initialKey: key, schedule: SealSchedule(start: now, intervalSeconds: interval.seconds))
            let state = SealKeyState(keyID: verification.keyID, schedule: verification.schedule, interval: 0, key: key,
                                     lastMAC: previousMAC)
            try file.store(state, owner: owner)
            print(verification.text)
            StandardError.line("proctrace: sealing key \(verification.keyID) written to \(UntrustedText.escaped(keyFile)) "
                + "(interval \(interval.seconds) s). The line above is its verification key: keep it off this host, "
                + "never on a command line (proctrace records command lines), and verify with: proctrace verify --key FILE LOG…")
        } catch let error as SealKeyError {
            StandardError.line("proctrace: \(error)")
            throw ExitCode.failure
        }
    }

    private func directoryOwner() -> uid_t {
        let directory = keyFile.lastIndex(of: "/").map { $0 == keyFile.startIndex ? "/" : String(keyFile[..<$0]) } ?? "."
        var info = stat()
        return stat(directory, &info) == 0 ? info.st_uid : geteuid()
    }

    /// The key's directory, made 0700 when it does not exist (its parent must).
    private func createDirectoryIfMissing() throws {
        guard let slash = keyFile.lastIndex(of: "/"), slash != keyFile.startIndex else { return }
        let directory = String(keyFile[..<slash])
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SealKeyError(path: keyFile, "cannot create its directory \(UntrustedText.escaped(directory)): "
                + String(cString: strerror(errno)))
        }
    }
}

/// A duration such as 15m, 1h, 30s, 2d or a number of seconds.
struct SealInterval: ExpressibleByArgument {
    let seconds: Int64

    init(seconds: Int64) { self.seconds = seconds }

    init?(argument: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var text = Substring(argument)
        var unit: Int64 = 1
        if let last = text.last, let factor = units[last] {
            unit = factor
            text = text.dropLast()
        }
        guard let value = Int64(text), value > 0, value <= 7 * 86_400 / unit else { return nil }
        seconds = value * unit
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension SealKeyError {
    init(path: String, _ message: String) {
        self.init(message: "\(UntrustedText.escaped(path)): \(message)")
    }
}
