import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

struct TreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Show the process tree: as it is now, or at a moment of a recording.",
        discussion: """
            Without --from, reads the running processes from /proc. A user name is shown where \
            a process's effective user differs from its parent's; zombies are marked with how \
            long they have been zombies. Names and arguments are escaped for the terminal.

            Examples:
              proctrace tree                                  # the whole system now
              proctrace tree --args --pid 1234                # one subtree, with arguments
              proctrace tree --json | jq '.[0].children[].comm'
              proctrace tree --from events.jsonl --at 2026-11-23T20:12:46Z
              proctrace tree --from events.jsonl --at 90      # 90 s into the recording
            """
    )

    @OptionGroup var common: CommonOptions

    @Flag(name: .customLong("args"), help: "Show each process's arguments.")
    var showArguments = false

    @Option(help: ArgumentHelp("Show only this process and its descendants.", valueName: "pid"))
    var pid: Int32?

    @Flag(help: "Print a JSON array of the root processes, each with its children nested.")
    var json = false

    @Option(help: ArgumentHelp("Replay this recording instead of reading /proc.", valueName: "file"))
    var from: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp(
                "The moment of the recording to show: an RFC 3339 time, or seconds since it started (default: its end).",
                valueName: "time"),
            transform: TimeBound.parse)
    var at: TimeBound?

    func validate() throws {
        if at != nil && from == nil {
            throw ValidationError("--at needs --from: the live system can only be shown as it is now")
        }
        if let pid, pid <= 0 {
            throw ValidationError("--pid must be a positive process ID")
        }
    }

    func run() throws {
        TerminationSignals.unblock()
        let (tree, now) = try buildTree()
        let roots: [ProcessNode]
        if let pid {
            guard let node = tree[pid] else {
                HostInfo.standardError("proctrace: no process \(pid)" + (from == nil ? "" : " at that moment of the recording"))
                throw ExitCode(1)
            }
            roots = [node]
        } else {
            roots = tree.roots
        }
        let users = UserNames()
        let output: [UInt8]
        if json {
            output = TreeJSONRenderer(showArguments: showArguments, userName: users.name(of:)).render(roots)
        } else {
            output = Array(TreeTextRenderer(now: now, showArguments: showArguments, userName: users.name(of:))
                .render(roots).utf8)
        }
        try output.withUnsafeBytes { try FileIO.writeAll(1, $0, name: "standard output") }
    }

    private func buildTree() throws -> (ProcessTree, Int64) {
        guard let from else {
            let tree = LiveProcessSnapshot().tree(includeArguments: showArguments)
            return (tree, Clock.realtimeNanoseconds)
        }
        return try ReadFailure.reporting(skipping: false) {
            let reader = try LogReader(paths: [from], decodingThreads: LogReader.decodingThreadsHere) { StandardError.warn($0) }
            let moment = at.map(TreeMoment.init) ?? .end
            let (tree, time) = try RecordedTreeBuilder.build(at: moment, records: reader.forEachRecord)
            return (tree, time)
        }
    }
}
