/// Writes records in ECS or OCSF (docs/formats.md), one JSON line each.
///
/// Each field of the native line goes where SchemaMapping says, its value
/// taken as the native encoder wrote it (so escaping is the native
/// encoder's); what the mapping has no place for goes whole to the
/// extension place. What no single field gives comes from the record's
/// kind and from the process tree as it stands at the record: the parent's
/// name, executable, arguments and start, exact at that moment.
public final class SchemaEncoder {
    public let format: OutputFormat
    private let object = NestedJSONObject()
    /// Per LogField.rawValue: its targets, and its path in the extension place.
    private let targets: [[(target: SchemaTarget, id: Int)]]
    private let extensionIDs: [Int]
    /// The paths `describe` writes, looked up once, per process it describes.
    private let own: ProcessPaths, parent: ProcessPaths, actor: ProcessPaths
    /// The stream's `start` (host, boot id, kernel for every record after it).
    private var stream: StreamInfo?
    /// The stream's boot id, the first part of every process's entity id.
    private var bootID: [UInt8]?

    public init(_ format: OutputFormat) {
        self.format = format
        let object = self.object
        targets = LogField.allCases.map { $0.targets(in: format).map { ($0, object.id($0.path)) } }
        let place = format == .ecs ? "proctrace." : "unmapped."
        extensionIDs = LogField.allCases.map { object.id(place + $0.key.description) }
        let ecs = format == .ecs
        own = ProcessPaths("process.", ecs: ecs, in: object)
        parent = ProcessPaths(ecs ? "process.parent." : "process.parent_process.", ecs: ecs, in: object)
        actor = ProcessPaths("actor.process.", ecs: ecs, in: object)
    }

    /// The ids of the fields of one process object (the record's, its parent, the actor).
    struct ProcessPaths {
        let isOwn: Bool
        let entity, argsCount, commandLine, start, pid, name, args, executable, filePath, fileName, fileType: Int

        init(_ prefix: String, ecs: Bool, in object: NestedJSONObject) {
            isOwn = prefix == "process."
            func id(_ name: String) -> Int { object.id(prefix + name) }
            entity = id(ecs ? "entity_id" : "uid")
            argsCount = id("args_count")
            commandLine = id(ecs ? "command_line" : "cmd_line")
            start = id(ecs ? "start" : "created_time")
            pid = id("pid")
            name = id("name")
            args = id("args")
            executable = id("executable")
            filePath = id("file.path")
            fileName = id("file.name")
            fileType = id("file.type_id")
        }
    }

    /// Appends `event`'s line in this format, with its newline. `line` is
    /// the record's native line; `tree` has applied the record already.
    public func append(_ event: Event, line: UnsafeRawBufferPointer, tree: ProcessTree, to out: ByteBuffer) throws {
        if event.kind == .start {
            stream = event.stream
            bootID = stream.map { Array($0.bootID.utf8) }
        }
        // OCSF's Base Event (the recorder's own records, alerts, user names) has no process object.
        try mapFields(of: line, processObject: format == .ecs || event.kind.isProcessRecord)
        let parent = event.kind.isProcessRecord && event.ppid > 0 ? tree[event.ppid] : nil
        let node = event.kind.isProcessRecord ? tree.node(event.processID) : nil
        if format == .ecs {
            ecsDerived(event, node: node, parent: parent)
        } else {
            ocsfDerived(event, node: node, parent: parent)
        }
        object.write(to: out)
        out.append(0x0a)
    }

    /// Puts each `"key":value` of the native line at its places.
    private func mapFields(of line: UnsafeRawBufferPointer, processObject: Bool) throws {
        var scanner = JSONScanner(line)
        try scanner.expect(UInt8(ascii: "{"))
        repeat {
            let key = try scanner.scanString()
            try scanner.expect(UInt8(ascii: ":"))
            scanner.skipWhitespace()
            let start = scanner.index
            try scanner.skipValue()
            let raw = UnsafeRawBufferPointer(rebasing: line[start..<scanner.index])
            guard let field = LogField(scanner.text(key)), raw.first != UInt8(ascii: "n") else { continue }
            let targets = processObject ? self.targets[field.rawValue]
                : self.targets[field.rawValue].filter { !$0.target.path.hasPrefix("process.") }
            for (target, id) in targets { place(raw, at: target, id: id) }
            if targets.allSatisfy(\.target.isLossy) {
                object.set(id: extensionIDs[field.rawValue], raw: raw)
            }
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"))
    }

    private func place(_ raw: UnsafeRawBufferPointer, at target: SchemaTarget, id: Int) {
        switch target.conversion {
        case .same:
            object.set(id: id, raw: raw)
        case .string:
            object.set(id: id) { out in
                let isText = raw.first == UInt8(ascii: "\"")
                if !isText { out.append(UInt8(ascii: "\"")) }
                out.append(raw)
                if !isText { out.append(UInt8(ascii: "\"")) }
            }
        case .millis:
            guard raw.count > 2, let time = RFC3339.parse(raw.dropFirst().dropLast()) else { return }
            object.set(id: id, SchemaEncoder.millis(time))
        case .sha256Fingerprint:
            object.set(id: id) { out in
                out.append("[{\"algorithm_id\":3,\"algorithm\":\"SHA-256\",\"value\":")
                out.append(raw)
                out.append("}]")
            }
        }
    }

    static func millis(_ nanoseconds: Int64) -> Int64 {
        nanoseconds >= 0 ? nanoseconds / 1_000_000 : (nanoseconds - 999_999) / 1_000_000
    }

    // MARK: ECS

    private func ecsDerived(_ event: Event, node: ProcessNode?, parent: ProcessNode?) {
        object.set("ecs.version") { JSONStringEscaper.appendQuoted(OutputFormat.ecsVersion.description, to: $0) }
        let kind = event.kind
        object.set("event.kind", kind == .exists ? "\"state\"" : "\"event\"")
        if event.kind != .start, let stream {
            object.set("host.name", quoted: stream.host)
            object.set("host.hostname", quoted: stream.host)
            object.set("host.boot.id", quoted: stream.bootID)
            object.set("host.os.kernel", quoted: stream.kernel)
        }
        guard kind.isProcessRecord else { return }
        object.set("event.category", "[\"process\"]")
        let type: StaticString = switch kind {
        case .exec, .execFailed, .fork, .threadStart: "[\"start\"]"
        case .exit, .threadExit: "[\"end\"]"
        case .exists, .reap: "[\"info\"]"
        default: "[\"change\"]"
        }
        object.set("event.type", type)
        if kind == .exec { object.set("event.outcome", "\"success\"") }
        if kind == .execFailed { object.set("event.outcome", "\"failure\"") }
        if kind == .exit { object.set("process.end") { SchemaEncoder.appendTime(event.time, to: $0) } }
        describe(node: node, pid: event.pid, startTime: event.startTime, argv: event.argv, at: own, ecs: true)
        if let parent { describe(node: parent, pid: parent.pid, startTime: parent.startTime, argv: parent.argv, at: self.parent, ecs: true) }
    }

    // MARK: OCSF

    private func ocsfDerived(_ event: Event, node: ProcessNode?, parent: ProcessNode?) {
        let kind = event.kind
        let activity: (id: Int64, name: StaticString) = switch kind {
        case .exec, .execFailed, .fork, .threadStart: (1, "\"Launch\"")
        case .exit, .threadExit: (2, "\"Terminate\"")
        case .cred: (5, "\"Set User ID\"")
        default: (99, "\"Other\"")
        }
        let classID: Int64 = kind.isProcessRecord ? 1007 : 0
        object.set("class_uid", classID)
        object.set("category_uid", kind.isProcessRecord ? 1 : 0)
        object.set("activity_id", kind.isProcessRecord ? activity.id : 99)
        object.set("activity_name", kind.isProcessRecord ? activity.name : "\"Other\"")
        object.set("type_uid", classID * 100 + (kind.isProcessRecord ? activity.id : 99))
        object.set("severity_id", 1)
        object.set("metadata.version") { JSONStringEscaper.appendQuoted(OutputFormat.ocsfVersion.description, to: $0) }
        object.set("metadata.product.name", "\"proctrace\"")
        object.set("metadata.product.vendor_name", "\"proctrace\"")
        object.set("metadata.product.version", quoted: ProcTraceVersion.current)
        object.set("metadata.profiles", "[\"datetime\",\"host\",\"container\",\"linux/linux_users\"]")
        object.set("device.type_id", 0)
        object.set("device.os.name", "\"Linux\"")
        object.set("device.os.type_id", 200)
        if kind != .start, let stream {
            object.set("device.hostname", quoted: stream.host)
            object.set("device.boot_uid", quoted: stream.bootID)
            object.set("device.os.kernel_release", quoted: stream.kernel)
        }
        guard kind.isProcessRecord else { return }
        if kind == .exec { object.set("status_id", 1) }
        if kind == .execFailed { object.set("status_id", 2) }
        if kind == .fork { object.set("launch_type_id", 2) }
        if kind == .exec { object.set("launch_type_id", 3) }
        if kind == .exit { object.set("process.terminated_time", SchemaEncoder.millis(event.time)) }
        describe(node: node, pid: event.pid, startTime: event.startTime, argv: event.argv, at: own, ecs: false)
        if let exe = event.context?.exe { file(exe, at: own) }
        if let parent { describe(node: parent, pid: parent.pid, startTime: parent.startTime, argv: parent.argv, at: self.parent, ecs: false) }
        // The actor: who launched it (the parent), else the process itself.
        if activity.id == 1 {
            object.set("actor.process.pid", Int64(event.ppid))
            if let parent { describe(node: parent, pid: parent.pid, startTime: parent.startTime, argv: parent.argv, at: actor, ecs: false) }
        } else {
            object.set("actor.process.pid", Int64(event.pid))
            describe(node: node, pid: event.pid, startTime: event.startTime, argv: event.argv, at: actor, ecs: false)
            if let name = node?.comm, !name.isEmpty { object.set(id: actor.name, quoted: name.bytes) }
        }
    }

    // MARK: Both

    /// What a process is known by, at `prefix`: the fields of a process
    /// record and of a parent or actor (name, executable, arguments, start, id).
    private func describe(node: ProcessNode?, pid: Int32, startTime: UInt64, argv: ArgumentVector?, at paths: ProcessPaths, ecs: Bool) {
        if let bootID, startTime != 0 {
            object.set(id: paths.entity) { out in
                out.append(UInt8(ascii: "\""))
                bootID.withUnsafeBytes { JSONStringEscaper.appendEscaped($0, to: out) }
                out.append(UInt8(ascii: "-"))
                out.appendDecimal(Int64(pid))
                out.append(UInt8(ascii: "-"))
                out.appendDecimal(startTime)
                out.append(UInt8(ascii: "\""))
            }
        }
        if let argv = argv ?? node?.argv {
            if ecs { object.set(id: paths.argsCount, Int64(argv.count)) }
            object.set(id: paths.commandLine) { out in
                var line: [UInt8] = []
                argv.forEach { argument in
                    if !line.isEmpty { line.append(0x20) }
                    line += argument
                }
                JSONStringEscaper.appendQuoted(line, to: out)
            }
        }
        guard let node else { return }
        if node.birthSeen {
            if ecs {
                object.set(id: paths.start) { SchemaEncoder.appendTime(node.firstSeen, to: $0) }
            } else {
                object.set(id: paths.start, SchemaEncoder.millis(node.firstSeen))
            }
        }
        // For the record's own process, what its line said is set already (the first value set stays).
        object.set(id: paths.pid, Int64(node.pid))
        if !node.comm.isEmpty { object.set(id: paths.name, quoted: node.comm.bytes) }
        if let argv = node.argv, ecs { object.set(id: paths.args) { JSONStringEscaper.appendArray(argv, to: $0) } }
        if let exe = node.context?.exe {
            if ecs { object.set(id: paths.executable, quoted: exe) } else { file(exe, at: paths) }
        }
    }

    /// An OCSF file object for an executable's path.
    private func file(_ path: [UInt8], at paths: ProcessPaths) {
        object.set(id: paths.filePath, quoted: path)
        let name = path.lastIndex(of: UInt8(ascii: "/")).map { Array(path[($0 + 1)...]) } ?? path
        object.set(id: paths.fileName, quoted: name)
        object.set(id: paths.fileType, 1)
    }

    private static func appendTime(_ nanoseconds: Int64, to out: ByteBuffer) {
        out.append(UInt8(ascii: "\""))
        RFC3339.append(nanoseconds: nanoseconds, to: out)
        out.append(UInt8(ascii: "\""))
    }
}
