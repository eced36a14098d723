import ArgumentParser
import ProcTraceCore
import ProcTraceLinux
import ProcTraceRules

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Trace fork, exec, exit and reap of every process and write them as JSON Lines.",
        discussion: """
            Needs root (or CAP_BPF and CAP_PERFMON; docs/service.md). The first line, `start`, is \
            written once the probes are attached, followed by one `exists` line per running process; \
            then every event as it happens. Ctrl-C, SIGTERM or --duration stop it cleanly: the ring \
            buffer is drained and a `stop` line written. A second Ctrl-C exits at once. SIGHUP \
            reopens the --output file at its path (after logrotate moved it); without a file it stops \
            cleanly on a terminal (a hang-up) and is ignored elsewhere.

            Examples:
              sudo proctrace record
              sudo proctrace record --output /var/log/proctrace/events.jsonl --duration 60
              sudo proctrace record --threads --max-args-bytes 65536 | jq -c 'select(.event=="exec")'
              sudo proctrace record -o events.jsonl --rotate-size 100M --rotate-keep 10 --compress
              sudo proctrace record --pid 1234 --descendants --event fork,exec,exit
              sudo proctrace record -o journal
              sudo proctrace record -o events.jsonl --rules sigma/rules/linux/process_creation
              sudo proctrace record -o events.jsonl -o syslog+tcp://logs.example:514 --spool /var/spool/proctrace
              sudo proctrace record -o syslog+tls://logs.example:6514 --tls-ca ca.pem --tls-cert host.pem \\
                --tls-key host.key --spool /var/spool/proctrace
              sudo proctrace record -o events.jsonl -o syslog+tcp://siem.example:514 --format syslog+tcp://siem.example:514=ecs
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .shortAndLong, parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Where records go instead of standard output (repeatable, each output counts its own losses): a FILE to "
            + "append to; journal (one journal entry per record); syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT "
            + "(RFC 5425, TLS 1.2+; see --tls-ca), syslog+udp://HOST:PORT, syslog+unix:///dev/log (RFC 5424), or "
            + "relp://HOST:PORT (RELP, rsyslog's imrelp: each record answered, so an outage resends none it took). "
            + "A file called journal is ./journal.", valueName: "output"))
    var output: [OutputArgument] = []

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "The schema records are written in: proctrace (docs/events.md), ecs (Elastic Common Schema) or ocsf (OCSF "
            + "Process Activity); docs/formats.md. FORMAT sets every output's; OUTPUT=FORMAT one output's, OUTPUT "
            + "spelled as given to --output (repeatable).", valueName: "[output=]format"))
    var format: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Keep records a journal, syslog or RELP receiver has not taken yet in DIR (one subdirectory per output), so an "
            + "outage or a restart of proctrace loses none; without it they wait in memory (16M per output).",
        valueName: "dir"))
    var spool: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "The most each output's spool holds (e.g. 256M); past it records are dropped, counted, and the next "
            + "delivered record says how many.", valueName: "size"))
    var spoolSize: ByteSize = .mebibytes(256)

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Serve Prometheus metrics at http://ADDRESS:PORT/metrics (e.g. 127.0.0.1:9464; :9464 for every address).",
        valueName: "address:port"))
    var metricsListen: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp(
        "Kernel interface: bpf, netlink (the proc connector, for where BPF cannot load), or auto (bpf, "
            + "else netlink, saying why on standard error).", valueName: "backend"))
    var backend: Backend = .auto

    @Option(help: ArgumentHelp(
        "BPF hooks for reaps, credential and session changes and failed execs: fentry, kprobe, sched (scheduler "
            + "tracepoints only: no system call pays), syscall (the sys_exit tracepoint: exact, every system call "
            + "pays), or auto (the cheapest that loads, saying on standard error what was refused). docs/hooks.md.",
        valueName: "hooks"))
    var hooks: HookMode = .auto

    @Flag(help: "Also record thread_start and thread_exit (bpf backend only).")
    var threads = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Capture at most this many bytes of each exec's arguments (up to 262144).", valueName: "bytes"))
    var maxArgsBytes: UInt32 = 32 * 1024

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Hash (exe_sha256) executables up to this size (e.g. 64M); larger ones get null. 0: hash none.",
        valueName: "size"))
    var hashMaxBytes: ByteSize = .mebibytes(64)

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Hold a record at most this long for its exe hash, then write it with exe_sha256 null and "
            + "exe_sha256_skipped \"hash_timeout\" (the kernel ring is drained meanwhile; 0 to 10000).",
        valueName: "ms"))
    var hashWait: Int = EnrichmentBounds.defaultWaitMilliseconds

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Kernel ring buffer size, a power of two (e.g. 4M, 16M). The default 4M holds 2 s of fork+exec at this "
            + "class of machine's top rate (docs/service.md, \"Memory\"); a fork storm fills it in 0.7 s.",
        valueName: "size"))
    var ringBufferSize: ByteSize = .mebibytes(4)

    @Option(parsing: .unconditional, help: ArgumentHelp("Permissions of a newly created log file (octal).", valueName: "mode"))
    var fileMode = FileMode(bits: 0o640)

    @Flag(inversion: .prefixedNo, help: "Leave proctrace's own process out of the log.")
    var excludeSelf = true

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "With --output: when the file passes SIZE (e.g. 100M), start a new one. Each file begins with "
            + "start and the live processes, so it replays on its own (when those alone pass SIZE, a file takes SIZE "
            + "of records after them).", valueName: "size"))
    var rotateSize: ByteSize?

    @Option(parsing: .unconditional, help: ArgumentHelp("Rotated files to keep (FILE.1 … FILE.N), 1 to 10000.", valueName: "n"))
    var rotateKeep = 5

    @Flag(help: "gzip rotated files (FILE.1.gz …).")
    var compress = false

    @OptionGroup(title: "Filters (applied before writing; the tree still sees every event)")
    var filters: FilterOptions

    @OptionGroup(title: "Service (docs/service.md)")
    var service: ServiceOptions

    @OptionGroup(title: "TLS (syslog+tls:// outputs; docs/service.md)")
    var tls: TLSOptions

    @Option(name: .customLong("rules"), help: ArgumentHelp(
        "Evaluate these Sigma rules on every exec, live (a file, or a directory of them; repeatable): an alert "
            + "record follows each exec a rule matches (docs/hunting.md).", valueName: "path"))
    var rules: [String] = []

    /// The longest --duration: beyond it, leave --duration out and stop with SIGTERM.
    static let maximumDurationSeconds = 100 * 365 * 86_400.0
    /// The largest --rotate-size: a file that never rotates needs no --rotate-size.
    static let maximumRotateBytes: UInt64 = 1 << 40

    func validate() throws {
        if let duration, !(duration > 0) || duration > Self.maximumDurationSeconds {
            throw ValidationError("--duration must be a positive number of seconds, at most "
                + "\(Int(Self.maximumDurationSeconds)) (100 years); to record until stopped, leave it out")
        }
        if output.contains(where: \.text.isEmpty) { throw ValidationError("--output needs a file name, journal or a syslog address") }
        let targets: [OutputTarget?]
        do {
            targets = try output.map { try $0.target.get() }
        } catch {
            throw ValidationError("--output \(error)")
        }
        let files = targets.filter { $0 == nil }.count
        if files > 1 { throw ValidationError("--output: at most one file (add journal or syslog outputs beside it)") }
        if Set(output.map(\.text)).count != output.count { throw ValidationError("--output: the same output is given twice") }
        guard spoolSize >= .kibibytes(64) else {
            throw ValidationError("--spool-size must be a size of at least 64K, e.g. 256M")
        }
        if spool != nil && files == output.count {
            throw ValidationError("--spool is for journal and syslog outputs; a file needs none")
        }
        let tlsOutputs = targets.filter { if case .syslog(.tls)? = $0 { true } else { false } }.count
        if !tls.isEmpty && tlsOutputs == 0 {
            throw ValidationError("--tls-ca, --tls-cert, --tls-key and --tls-fingerprint are for a syslog+tls:// output; add one")
        }
        if let metricsListen, !metricsListen.contains(":") {
            throw ValidationError("--metrics-listen needs ADDRESS:PORT, e.g. 127.0.0.1:9464")
        }
        if let spool, spool.isEmpty { throw ValidationError("--spool needs a directory") }
        if maxArgsBytes > BPFSettings.argumentBytesCap {
            throw ValidationError("--max-args-bytes can be at most \(BPFSettings.argumentBytesCap)")
        }
        guard (0...10_000).contains(hashWait) else {
            throw ValidationError("--hash-wait takes 0 to 10000 milliseconds, not \(hashWait)")
        }
        guard hashMaxBytes.bytes <= 1 << 40 else {
            throw ValidationError("--hash-max-bytes must be a size up to 1024G, e.g. 64M (0: hash no executable)")
        }
        guard ringBufferSize.isPowerOfTwo, (4096...1 << 30).contains(ringBufferSize.bytes) else {
            throw ValidationError("--ring-buffer-size must be a power of two between 4K and 1G, e.g. 16M")
        }
        guard fileMode.isPermissions else {
            throw ValidationError("--file-mode must be octal permissions such as 0640")
        }
        if let rotateSize {
            guard files == 1 else { throw ValidationError("--rotate-size needs --output FILE") }
            guard (4096...Self.maximumRotateBytes).contains(rotateSize.bytes) else {
                throw ValidationError("--rotate-size must be a size from 4K to 1024G, e.g. 100M")
            }
        }
        guard (1...RotatingFileSink.maximumKeep).contains(rotateKeep) else {
            throw ValidationError("--rotate-keep must be from 1 to \(RotatingFileSink.maximumKeep) (every rotation "
                + "renames each kept file); to keep more history, raise --rotate-size")
        }
        if compress && rotateSize == nil { throw ValidationError("--compress applies to rotated files: add --rotate-size") }
        if threads && backend == .netlink { throw ValidationError("--threads needs the bpf backend") }
        _ = try outputFormats()
    }

    /// Each --output's format as given (by its text), and the one for the rest.
    private func outputFormats() throws -> (byOutput: [String: OutputFormat], rest: OutputFormat) {
        var byOutput: [String: OutputFormat] = [:]
        var rest: OutputFormat?
        for value in format {
            if let whole = OutputFormat(name: value) {
                if rest != nil { throw ValidationError("--format \(value): a format for every output is given twice") }
                rest = whole
                continue
            }
            guard let equals = value.lastIndex(of: "="), let chosen = OutputFormat(name: value[value.index(after: equals)...]) else {
                throw ValidationError("--format \(value): give one of \(OutputFormat.names), or OUTPUT=FORMAT for one output")
            }
            let name = String(value[..<equals])
            guard output.contains(where: { $0.text == name }) else {
                throw ValidationError("--format \(value): \(name) is not one of the --output values")
            }
            guard byOutput.updateValue(chosen, forKey: name) == nil else {
                throw ValidationError("--format: \(name) is given a format twice")
            }
        }
        return (byOutput, rest ?? .proctrace)
    }

    func run() throws {
        var configuration = RecordConfiguration()
        let formats = try outputFormats()
        configuration.formats["standard output"] = formats.rest
        for value in output {
            let format = formats.byOutput[value.text] ?? formats.rest
            if case .success(let target?) = value.target {
                configuration.networkOutputs.append(target)
                configuration.formats[target.description] = format
                continue
            }
            do {
                let path = try ExactPath(bytes: RawArguments.exactBytes(of: value.text, option: "--output", short: "-o"))
                configuration.outputPath = path
                configuration.formats[path.text] = format
            } catch {
                throw ValidationError("--output: \(error)")
            }
        }
        try refuseAppendingToTheConfiguration(configuration.outputPath)
        configuration.spoolDirectory = spool
        configuration.tls = try tls.settings()
        configuration.metricsListen = metricsListen
        configuration.spoolBytes = spoolSize.bytes
        configuration.duration = duration
        configuration.fileMode = .init(fileMode.bits)
        configuration.bpf.traceThreads = threads
        configuration.bpf.hookMode = hooks
        configuration.bpf.maxArgumentBytes = maxArgsBytes
        configuration.bpf.ringBufferBytes = UInt32(ringBufferSize.bytes)
        configuration.bpf.verbose = common.verbose
        configuration.bpf.simulateLoadFailure = ProcessEnvironment.isSet("PROCTRACE_SIMULATE_BPF_FAILURE")
        configuration.bpf.excludedProcess = excludeSelf ? Int32(ProcessIdentity.current) : 0
        configuration.netlink.maxArgumentBytes = Int(maxArgsBytes)
        configuration.netlink.excludedProcess = configuration.bpf.excludedProcess
        configuration.netlink.hashMaxBytes = Int(hashMaxBytes.bytes)
        configuration.bpf.hashMaxBytes = configuration.netlink.hashMaxBytes
        configuration.enrichment = EnrichmentBounds(wait: Int64(hashWait) * 1_000_000)
        configuration.rotateBytes = rotateSize?.bytes
        configuration.rotateKeep = rotateKeep
        configuration.compressRotated = compress
        // The backends leave proctrace out themselves (in the kernel for BPF); the filter need not.
        var filter = try filters.makeFilter()
        if !filter.isEmpty {
            configuration.filter = { event, tree in filter.matches(event, in: tree) }
        }
        try service.configure(&configuration)
        if !rules.isEmpty { configuration.rules = try Self.loadRules(rules) }
        let (bpf, netlink) = (configuration.bpf, configuration.netlink)
        // From here on, lines for stderr are queued (written once capabilities are dropped, or at the exit):
        // the draining thread never waits for whoever reads them.
        let notices = NoticeWriter()
        defer { notices.finish(within: Self.noticeGrace) }
        let session = RecordSession(
            configuration: configuration,
            makeSource: { try backend.makeSource(bpf: bpf, netlink: netlink, reportFallback: notices.say) },
            notices: notices, notify: { notices.say("proctrace: \($0)") })
        let outcome: RecordOutcome
        do {
            outcome = try session.run()
        } catch {
            notices.say("proctrace: \(error)")
            throw ExitCode.failure
        }
        Self.report(outcome, to: notices)
        if !outcome.isComplete { throw ExitCode.failure }
    }

    /// How long the exit waits for standard error to take the last lines (it may never: a stuck journal).
    static let noticeGrace: Int64 = 2_000_000_000

    /// The rules that load; the others named with their reason. None loading is an error.
    private static func loadRules(_ paths: [String]) throws -> [SigmaRule] {
        let loaded: SigmaRuleFiles.Loaded
        do {
            loaded = try SigmaRuleFiles.load(paths)
        } catch {
            StandardError.line("proctrace: --rules: " + UntrustedText.terminalSafe("\(error)"))
            throw ExitCode.failure
        }
        for refusal in loaded.refusals {
            StandardError.warn(UntrustedText.terminalSafe("\(refusal) (rule not loaded)"))
        }
        guard !loaded.rules.isEmpty else {
            StandardError.line("proctrace: --rules: no rule could be evaluated (\(loaded.files) file\(loaded.files == 1 ? "" : "s") read)")
            throw ExitCode.failure
        }
        StandardError.line("proctrace: \(loaded.rules.count) rule\(loaded.rules.count == 1 ? "" : "s") loaded"
            + (loaded.refusals.isEmpty ? "" : ", \(loaded.refusals.count) refused"))
        return loaded.rules
    }

    /// `--output` naming the configuration file read (any name or link to it)
    /// would append records to it, and the next start would fail on them.
    private func refuseAppendingToTheConfiguration(_ output: ExactPath?) throws {
        let configPath = service.config ?? ConfigurationFile.defaultPath
        guard let output, let log = FileIdentity(path: output), let config = FileIdentity(path: configPath),
              log == config else { return }
        StandardError.line("proctrace: refusing --output \(output): it is the configuration file "
            + "\(UntrustedText.escaped(configPath)), which the records would be appended to; choose another --output")
        throw ExitCode.failure
    }

    /// One line per output that lost or still holds records, then the log's own losses.
    private static func report(_ outcome: RecordOutcome, to notices: NoticeWriter) {
        for output in outcome.undelivered {
            notices.say("proctrace: \(output.name): " + UndeliveredSummary.text(output.counters))
        }
        for output in outcome.failedOutputs {
            notices.say("proctrace: \(output.name): \(output.failed) records could not be written")
        }
        if outcome.unwritten > 0 {
            notices.say("proctrace: \(outcome.unwritten) records could not be written to the log")
        }
    }
}
