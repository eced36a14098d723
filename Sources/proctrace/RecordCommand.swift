import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Trace fork, exec, exit and reap of every process and write them as JSON Lines.",
        discussion: """
            Needs root (or CAP_BPF and CAP_PERFMON; docs/service.md). The first line, `start`, is \
            written once the probes are attached, followed by one `exists` line per running process; \
            then every event as it happens. Ctrl-C, SIGTERM or --duration stop it cleanly: the ring \
            buffer is drained and a `stop` line written. A second Ctrl-C exits at once.

            Examples:
              sudo proctrace record
              sudo proctrace record --output /var/log/proctrace/events.jsonl --duration 60
              sudo proctrace record --threads --max-args-bytes 65536 | jq -c 'select(.event=="exec")'
              sudo proctrace record -o events.jsonl --rotate-size 100M --rotate-keep 10 --compress
              sudo proctrace record --pid 1234 --descendants --event fork,exec,exit
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Append records to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp(
        "Kernel interface: bpf, netlink (the proc connector, for where BPF cannot load), or auto (bpf, "
            + "else netlink, saying why on standard error).", valueName: "backend"))
    var backend: Backend = .auto

    @Flag(help: "Also record thread_start and thread_exit (bpf backend only).")
    var threads = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Capture at most this many bytes of each exec's arguments (up to 262144).", valueName: "bytes"))
    var maxArgsBytes: UInt32 = 32 * 1024

    @Option(parsing: .unconditional, help: ArgumentHelp("Kernel ring buffer size, a power of two (e.g. 16M, 64M).", valueName: "size"))
    var ringBufferSize: String = "16M"

    @Option(parsing: .unconditional, help: ArgumentHelp("Permissions of a newly created log file (octal).", valueName: "mode"))
    var fileMode: String = "0640"

    @Flag(inversion: .prefixedNo, help: "Leave proctrace's own process out of the log.")
    var excludeSelf = true

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "With --output: when the file passes SIZE (e.g. 100M), start a new one. Each file begins with "
            + "start and the live processes, so it replays on its own (when those alone pass SIZE, a file takes SIZE "
            + "of records after them).", valueName: "size"))
    var rotateSize: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Rotated files to keep (FILE.1 … FILE.N), 1 to 10000.", valueName: "n"))
    var rotateKeep = 5

    @Flag(help: "gzip rotated files (FILE.1.gz …).")
    var compress = false

    @OptionGroup(title: "Filters (applied before writing; the tree still sees every event)")
    var filters: FilterOptions

    @OptionGroup(title: "Service (docs/service.md)")
    var service: ServiceOptions

    /// The longest --duration: beyond it, leave --duration out and stop with SIGTERM.
    static let maximumDurationSeconds = 100 * 365 * 86_400.0
    /// The largest --rotate-size: a file that never rotates needs no --rotate-size.
    static let maximumRotateBytes: UInt64 = 1 << 40

    func validate() throws {
        if let duration, !(duration > 0) || duration > Self.maximumDurationSeconds {
            throw ValidationError("--duration must be a positive number of seconds, at most "
                + "\(Int(Self.maximumDurationSeconds)) (100 years); to record until stopped, leave it out")
        }
        if let output, output.isEmpty { throw ValidationError("--output needs a file name") }
        if maxArgsBytes > BPFSettings.argumentBytesCap {
            throw ValidationError("--max-args-bytes can be at most \(BPFSettings.argumentBytesCap)")
        }
        guard let ring = SizeParser.bytes(ringBufferSize), ring >= 4096, ring & (ring - 1) == 0, ring <= 1 << 30 else {
            throw ValidationError("--ring-buffer-size must be a power of two between 4K and 1G, e.g. 16M")
        }
        guard let mode = UInt32(fileMode, radix: 8), mode <= 0o777 else {
            throw ValidationError("--file-mode must be octal permissions such as 0640")
        }
        if let rotateSize {
            guard output != nil else { throw ValidationError("--rotate-size needs --output FILE") }
            guard let bytes = SizeParser.bytes(rotateSize), bytes >= 4096, bytes <= Self.maximumRotateBytes else {
                throw ValidationError("--rotate-size must be a size from 4K to 1024G, e.g. 100M")
            }
        }
        guard (1...RotatingFileSink.maximumKeep).contains(rotateKeep) else {
            throw ValidationError("--rotate-keep must be from 1 to \(RotatingFileSink.maximumKeep) (every rotation "
                + "renames each kept file); to keep more history, raise --rotate-size")
        }
        if compress && rotateSize == nil { throw ValidationError("--compress applies to rotated files: add --rotate-size") }
        if threads && backend == .netlink { throw ValidationError("--threads needs the bpf backend") }
    }

    func run() throws {
        var configuration = RecordConfiguration()
        do {
            configuration.outputPath = try output.map { try ExactPath(bytes: RawArguments.exactBytes(of: $0, option: "--output", short: "-o")) }
        } catch {
            throw ValidationError("--output: \(error)")
        }
        configuration.duration = duration
        configuration.fileMode = .init(UInt32(fileMode, radix: 8) ?? 0o640)
        configuration.bpf.traceThreads = threads
        configuration.bpf.maxArgumentBytes = maxArgsBytes
        configuration.bpf.ringBufferBytes = UInt32(SizeParser.bytes(ringBufferSize) ?? 16 << 20)
        configuration.bpf.verbose = common.verbose
        configuration.bpf.simulateLoadFailure = ProcessEnvironment.isSet("PROCTRACE_SIMULATE_BPF_FAILURE")
        configuration.bpf.excludedProcess = excludeSelf ? Int32(ProcessIdentity.current) : 0
        configuration.netlink.maxArgumentBytes = Int(maxArgsBytes)
        configuration.netlink.excludedProcess = configuration.bpf.excludedProcess
        configuration.rotateBytes = rotateSize.flatMap(SizeParser.bytes)
        configuration.rotateKeep = rotateKeep
        configuration.compressRotated = compress
        // The backends leave proctrace out themselves (in the kernel for BPF); the filter need not.
        var filter = try filters.makeFilter()
        if !filter.isEmpty {
            configuration.filter = { event, tree in filter.matches(event, in: tree) }
        }
        try service.configure(&configuration)
        let (bpf, netlink) = (configuration.bpf, configuration.netlink)
        let session = RecordSession(configuration: configuration) {
            try backend.makeSource(bpf: bpf, netlink: netlink, reportFallback: HostInfo.standardError)
        }
        let status = session.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Backend: ExpressibleByArgument {}
