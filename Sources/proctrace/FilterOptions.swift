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

    @Option(name: .customLong("container"),
            help: ArgumentHelp("Only processes in this container: its id, or the first 12 or more hex digits of it "
                               + "(repeatable).", valueName: "id"))
    var containers: [String] = []

    @Option(name: .customLong("cgroup"),
            help: ArgumentHelp("Only processes in this cgroup v2 path or below it, e.g. /system.slice (repeatable).",
                               valueName: "path"))
    var cgroups: [String] = []

    @Option(name: .customLong("auid"), help: ArgumentHelp("Only processes with this login user ID (repeatable).",
                                                         valueName: "auid"))
    var auids: [UInt32] = []

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
        for container in containers {
            guard (12...ContainerID.length).contains(container.utf8.count), container.utf8.allSatisfy(\.isHexDigit) else {
                throw ValidationError("--container \(UntrustedText.escaped(container)) is not a container id; give its 64 "
                                      + "hex digits or the first 12 or more.")
            }
        }
        if let cgroup = cgroups.first(where: { !$0.hasPrefix("/") }) {
            throw ValidationError("--cgroup \(UntrustedText.escaped(cgroup)) is not a cgroup path; give one from the root, "
                                  + "e.g. /system.slice.")
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
        var filter = EventFilter(pids: Set(pids), descendants: descendants, comms: Set(comms.map { Comm($0) }),
                                 uids: Set(uids), kinds: try kinds(), excludedPids: excludedPids)
        filter.containers = containers.map { Array($0.lowercased().utf8) }
        filter.cgroups = cgroups.map { Array($0.utf8) }
        filter.auids = Set(auids)
        return filter
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
