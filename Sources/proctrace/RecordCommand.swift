import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Trace fork, exec, exit and reap of every process and write them as JSON Lines.",
        discussion: """
            Needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE). The first line, `start`, is \
            written once the probes are attached, followed by one `exists` line per running process; \
            then every event as it happens. Ctrl-C, SIGTERM or --duration stop it cleanly: the ring \
            buffer is drained and a `stop` line written. A second Ctrl-C exits at once.

            Examples:
              sudo proctrace record
              sudo proctrace record --output /var/log/proctrace/events.jsonl --duration 60
              sudo proctrace record --threads --max-args-bytes 65536 | jq -c 'select(.event=="exec")'
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("Append records to FILE instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp(
        "Kernel interface: bpf, netlink (the proc connector, for where BPF cannot load), or auto (bpf, "
            + "else netlink, saying why on standard error).", valueName: "backend"))
    var backend: Backend = .auto

    @Flag(help: "Also record thread_start and thread_exit (bpf backend only).")
    var threads = false

    @Option(help: ArgumentHelp("Capture at most this many bytes of each exec's arguments (up to 262144).", valueName: "bytes"))
    var maxArgsBytes: UInt32 = 32 * 1024

    @Option(help: ArgumentHelp("Kernel ring buffer size, a power of two (e.g. 16M, 64M).", valueName: "size"))
    var ringBufferSize: String = "16M"

    @Option(help: ArgumentHelp("Permissions of a newly created log file (octal).", valueName: "mode"))
    var fileMode: String = "0640"

    @Flag(inversion: .prefixedNo, help: "Leave proctrace's own process out of the log.")
    var excludeSelf = true

    func validate() throws {
        if let duration, !(duration > 0) {
            throw ValidationError("--duration must be a positive number of seconds")
        }
        if maxArgsBytes > BPFSettings.argumentBytesCap {
            throw ValidationError("--max-args-bytes can be at most \(BPFSettings.argumentBytesCap)")
        }
        guard let ring = SizeParser.bytes(ringBufferSize), ring >= 4096, ring & (ring - 1) == 0, ring <= 1 << 30 else {
            throw ValidationError("--ring-buffer-size must be a power of two between 4K and 1G, e.g. 16M")
        }
        guard let mode = UInt32(fileMode, radix: 8), mode <= 0o777 else {
            throw ValidationError("--file-mode must be octal permissions such as 0640")
        }
    }

    func run() throws {
        var configuration = RecordConfiguration()
        configuration.outputPath = output
        configuration.duration = duration
        configuration.fileMode = .init(UInt32(fileMode, radix: 8) ?? 0o640)
        configuration.bpf.traceThreads = threads
        configuration.bpf.maxArgumentBytes = maxArgsBytes
        configuration.bpf.ringBufferBytes = UInt32(SizeParser.bytes(ringBufferSize) ?? 16 << 20)
        configuration.bpf.verbose = common.verbose
        configuration.bpf.excludedProcess = excludeSelf ? Int32(ProcessIdentity.current) : 0
        configuration.netlink.maxArgumentBytes = Int(maxArgsBytes)
        configuration.netlink.excludedProcess = configuration.bpf.excludedProcess
        let (bpf, netlink) = (configuration.bpf, configuration.netlink)
        let session = RecordSession(configuration: configuration) {
            try backend.makeSource(bpf: bpf, netlink: netlink, reportFallback: HostInfo.standardError)
        }
        let status = session.run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Backend: ExpressibleByArgument {}
