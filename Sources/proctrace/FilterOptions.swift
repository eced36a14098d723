import ArgumentParser
import ProcTraceCore

/// Which records to keep; shared by record, tail and replay.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("pid"), help: ArgumentHelp("Only this process (repeatable).", valueName: "pid"))
    var pids: [Int32] = []

    @Flag(help: "With --pid: its descendants too, including those forked later.")
    var descendants = false

    @Option(name: .customLong("comm"),
            help: ArgumentHelp("Only processes with this name, as ps shows it (first 15 bytes; repeatable).",
                               valueName: "name"))
    var comms: [String] = []

    @Option(name: .customLong("uid"), help: ArgumentHelp("Only processes with this real user ID (repeatable).",
                                                        valueName: "uid"))
    var uids: [UInt32] = []

    @Option(name: .customLong("event"),
            help: ArgumentHelp("Only these records, comma separated: \(EventKind.allCases.map(\.name).joined(separator: ",")). "
                               + "start, stop, lost and resync always pass.", valueName: "list"))
    var eventLists: [String] = []

    func validate() throws {
        if descendants && pids.isEmpty {
            throw ValidationError("--descendants needs --pid: whose descendants? Add --pid N.")
        }
        if let pid = pids.first(where: { $0 <= 0 }) {
            throw ValidationError("--pid \(pid) is not a process ID; give a positive number.")
        }
        _ = try kinds()
    }

    /// The kinds named by --event; nil when it was not given.
    func kinds() throws -> Set<EventKind>? {
        guard !eventLists.isEmpty else { return nil }
        var kinds = Set<EventKind>()
        for name in eventLists.flatMap({ $0.split(separator: ",") }) {
            let trimmed = name.trimmingSpaces
            guard let kind = EventKind(name: trimmed) else {
                throw ValidationError("--event: unknown record \"\(UntrustedText.escaped(String(trimmed)))\"; choose from "
                                      + EventKind.allCases.map(\.name).joined(separator: ", ") + ".")
            }
            kinds.insert(kind)
        }
        return kinds
    }

    func makeFilter(excluding excludedPids: Set<Int32> = []) throws -> EventFilter {
        EventFilter(pids: Set(pids), descendants: descendants, comms: Set(comms.map { Comm($0) }), uids: Set(uids),
                    kinds: try kinds(), excludedPids: excludedPids)
    }
}
