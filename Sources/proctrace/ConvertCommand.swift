import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write a recording in Elastic Common Schema (ECS) or OCSF, as JSON Lines on standard output.",
        discussion: """
            Each record becomes one line: process records as ECS process events or OCSF Process Activity \
            (class 1007), their parent's name, executable, arguments and start from the tree replayed up to \
            that record; the stream's own records (start, stop, lost, seal, …) as ECS events or OCSF Base \
            Events. What the schema has no field for is kept under proctrace.* (ECS) or unmapped (OCSF). \
            docs/formats.md has the mapping.

            Examples:
              proctrace convert --to ecs events.jsonl > events.ecs.jsonl
              proctrace convert --to ocsf events.jsonl* | gzip > events.ocsf.jsonl.gz
            """
    )

    @Option(help: ArgumentHelp("The schema: ecs or ocsf.", valueName: "schema"))
    var to: String

    @OptionGroup var input: LogInputOptions

    func validate() throws {
        guard let format = OutputFormat(name: to), format != .proctrace else {
            throw ValidationError("--to must be ecs or ocsf, not '\(to)' (a recording is already in proctrace's own format)")
        }
    }

    func run() throws {
        TerminationSignals.unblock()
        let converter = SchemaConverter(to: OutputFormat(name: to) ?? .ecs)
        let out = ByteBuffer(capacity: 128 * 1024)
        func flush() throws {
            guard !out.isEmpty else { return }
            try RecordOutput.writeStandardOutput(out.bytes)
            out.removeAll()
        }
        try input.forEachRecord(flushing: flush) { event in
            try converter.append(&event, to: out)
            if out.count >= 64 * 1024 { try flush() }
            return true
        }
    }
}
