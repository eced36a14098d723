import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Draw a recording as a process timeline in one self-contained HTML file.",
        discussion: """
            One row per process, nested under the process that started it: a bar from its fork \
            to its exit, its zombie time to the reap hatched, exec marks, colour by outcome; \
            click for every field of its records; find by pid, name, argument or file; the \
            `stats` figures on top. Siblings running one program collapse into one row \
            (×5,003 /bin/true, all exit 0). The page makes no network request and runs nothing \
            from the log (docs/report.md).

            Examples:
              proctrace report events.jsonl -o report.html
              proctrace report events.jsonl* --from 60 --until 120 -o minute.html
              proctrace report events.jsonl --pid 1234 --descendants -o build.html
            """
    )

    @OptionGroup var input: LogInputOptions
    @OptionGroup var filter: FilterOptions
    @OptionGroup var window: TimeWindowOptions

    @Option(name: [.customShort("o"), .customLong("output")],
            help: ArgumentHelp("The HTML file to write (- for standard output).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Count zombies unreaped for longer than this many seconds as lingering.",
                               valueName: "seconds"))
    var zombieThreshold: Double = 5

    @Option(help: ArgumentHelp("Draw siblings that run one program as one row from this many on.", valueName: "N"))
    var groupMinimum: Int = 10

    func validate() throws {
        guard zombieThreshold >= 0, zombieThreshold.isFinite, zombieThreshold < 1e9 else {
            throw ValidationError("--zombie-threshold must be a number of seconds, 0 or more, e.g. 5 or 0.5.")
        }
        guard groupMinimum >= 2 else { throw ValidationError("--group-minimum must be 2 or more, not \(groupMinimum).") }
        if output.isEmpty { throw ValidationError("-o needs a file name, e.g. -o report.html.") }
    }

    func run() throws {
        let inputs = input.files.compactMap { name in FileIdentity(path: name).map { (name, $0) } }
        try refuseOverwritingAnInput(inputs)
        try ReadFailure.reporting(skipping: input.skipInvalid) {
            let reader = try input.makeReader()
            let selection = ReportSelection(from: window.fromBound, until: window.untilBound,
                                            filter: try filter.makeFilter(),
                                            zombieThresholdNs: UInt64(zombieThreshold * 1e9), groupMinimum: groupMinimum)
            var data = try RecordingReport.build(selection, records: reader.forEachRecord)
            data.sources = reader.paths
            data.selection = selectionText
            let page = try ReportPage.html(data, gzip: { try Gzip.compress($0, alongside: $1) })
            try write(page, inputs: inputs)
            if reader.invalidLineCount > 0 { reportSkipped(reader) }
        }
    }

    /// What the report covers beyond the files, for its heading.
    private var selectionText: String {
        var parts: [String] = []
        if let from = window.from { parts.append("--from \(from)") }
        if let until = window.until { parts.append("--until \(until)") }
        if !filter.pids.isEmpty {
            parts.append(filter.pids.map { "--pid \($0)" }.joined(separator: " ") + (filter.descendants ? " --descendants" : ""))
        }
        return parts.joined(separator: " ")
    }

    /// `-o` naming one of the log files (`report e.jsonl -o e.jsonl`) would
    /// replace the recording with the page: refused before anything is read,
    /// and again just before the rename, by device and inode (any name, any link).
    private func refuseOverwritingAnInput(_ inputs: [(name: String, identity: FileIdentity)]) throws {
        guard output != "-" else { return }
        for target in [output, output + ".tmp"] {
            guard let identity = FileIdentity(path: target),
                  let input = inputs.first(where: { $0.identity == identity }) else { continue }
            let same = input.name == target ? "" : " (the same file as \(UntrustedText.escaped(input.name)))"
            throw ReportWriteFailure(description: "refusing to write the report to \(UntrustedText.escaped(output)): "
                + "\(UntrustedText.escaped(target)) is one of the log files read\(same), which it would replace; "
                + "choose another -o, e.g. -o report.html")
        }
    }

    /// Writes beside the target and renames, so a failed write never leaves half a report under its name.
    private func write(_ page: ByteBuffer, inputs: [(name: String, identity: FileIdentity)]) throws {
        if output == "-" {
            try FileIO.writeAll(STDOUT_FILENO, page.bytes, name: "standard output")
            return
        }
        let temporary = output + ".tmp"
        try refuseOverwritingAnInput(inputs)
        do {
            let fd = try retryingSystemCall("open", temporary) {
                open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
            }
            do {
                try FileIO.writeAll(fd, page.bytes, name: temporary)
                try retryingSystemCall("close", temporary) { close(fd) }
            } catch {
                close(fd)
                unlink(temporary)
                throw error
            }
            try retryingSystemCall("rename", output) { rename(temporary, output) }
        } catch let error as SystemCallError {
            unlink(temporary)
            throw ReportWriteFailure(description: "cannot write the report: \(error) (check the directory exists, is writable and has room)")
        } catch let error as PartialWriteError {
            throw ReportWriteFailure(description: "cannot write the report: \(error) (check the directory exists, is writable and has room)")
        }
    }
}

/// The report could not be written: the call that failed, on which file, and what to check.
struct ReportWriteFailure: Error, CustomStringConvertible {
    let description: String
}
