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
    private let targets: [[SchemaTarget]]
    private let extensionPaths: [String]
    /// The stream's `start` (host, boot id, kernel for every record after it).
    private var stream: StreamInfo?
    /// The stream's boot id, the first part of every process's entity id.
    private var bootID: [UInt8]?

    public init(_ format: OutputFormat) {
        self.format = format
        targets = LogField.allCases.map { $0.targets(in: format) }
        let place = format == .ecs ? "proctrace." : "unmapped."
        extensionPaths = LogField.allCases.map { place + $0.key.description }
    }

    /// Appends `event`'s line in this format, with its newline. `line` is
    /// the record's native line; `tree` has applied the record already.
    public func append(_ event: Event, line: UnsafeRawBufferPointer, tree: ProcessTree, to out: ByteBuffer) throws {
        if event.kind == .start {
            stream = event.stream
            bootID = stream.map { Array($0.bootID.utf8) }
        }
        try mapFields(of: line)
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
    private func mapFields(of line: UnsafeRawBufferPointer) throws {
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
            let targets = self.targets[field.rawValue]
            for target in targets { place(raw, at: target) }
            if targets.allSatisfy(\.isLossy) {
                object.set(extensionPaths[field.rawValue], raw: raw)
            }
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "}"))
    }

    private func place(_ raw: UnsafeRawBufferPointer, at target: SchemaTarget) {
        switch target.conversion {
        case .same:
            object.set(target.path, raw: raw)
        case .string:
            object.set(target.path) { out in
                let isText = raw.first == UInt8(ascii: "\"")
                if !isText { out.append(UInt8(ascii: "\"")) }
                out.append(raw)
                if !isText { out.append(UInt8(ascii: "\"")) }
            }
        case .millis:
            guard raw.count > 2, let time = RFC3339.parse(raw.dropFirst().dropLast()) else { return }
            object.set(target.path, SchemaEncoder.millis(time))
        case .sha256Fingerprint:
            object.set(target.path) { out in
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
        describe(node: node, pid: event.pid, startTime: event.startTime, argv: event.argv, at: "process.", ecs: true)
        if let parent { describe(node: parent, pid: parent.pid, startTime: parent.startTime, argv: parent.argv, at: "process.parent.", ecs: true) }
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
        describe(node: node, pid: event.pid, startTime: event.startTime, argv: event.argv, at: "process.", ecs: false)
        if let exe = event.context?.exe { file(exe, at: "process.file.") }
        if let parent { describe(node: parent, pid: parent.pid, startTime: parent.startTime, argv: parent.argv, at: "process.parent_process.", ecs: false) }
        // The actor: who launched it (the parent), else the process itself.
        if activity.id == 1 {
            object.set("actor.process.pid", Int64(event.ppid))
            if let parent { describe(node: parent, pid: parent.pid, startTime: parent.startTime, argv: parent.argv, at: "actor.process.", ecs: false) }
        } else {
            object.set("actor.process.pid", Int64(event.pid))
            describe(node: node, pid: event.pid, startTime: event.startTime, argv: event.argv, at: "actor.process.", ecs: false)
            if let name = node?.comm, !name.isEmpty { object.set("actor.process.name", quoted: name.bytes) }
        }
    }

    // MARK: Both

    /// What a process is known by, at `prefix`: the fields of a process
    /// record and of a parent or actor (name, executable, arguments, start, id).
    private func describe(node: ProcessNode?, pid: Int32, startTime: UInt64, argv: ArgumentVector?, at prefix: String, ecs: Bool) {
        if let bootID, startTime != 0 {
            object.set(prefix + (ecs ? "entity_id" : "uid")) { out in
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
            if ecs { object.set(prefix + "args_count", Int64(argv.count)) }
            object.set(prefix + (ecs ? "command_line" : "cmd_line")) { out in
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
                object.set(prefix + "start") { SchemaEncoder.appendTime(node.firstSeen, to: $0) }
            } else {
                object.set(prefix + "created_time", SchemaEncoder.millis(node.firstSeen))
            }
        }
        // For the record's own process, what its line said is set already (the first value set stays).
        object.set(prefix + "pid", Int64(node.pid))
        if !node.comm.isEmpty { object.set(prefix + "name", quoted: node.comm.bytes) }
        if let argv = node.argv, ecs { object.set(prefix + "args") { JSONStringEscaper.appendArray(argv, to: $0) } }
        if let exe = node.context?.exe {
            if ecs { object.set(prefix + "executable", quoted: exe) } else { file(exe, at: prefix + "file.") }
        }
    }

    /// An OCSF file object for an executable's path.
    private func file(_ path: [UInt8], at prefix: String) {
        object.set(prefix + "path", quoted: path)
        let name = path.lastIndex(of: UInt8(ascii: "/")).map { Array(path[($0 + 1)...]) } ?? path
        object.set(prefix + "name", quoted: name)
        object.set(prefix + "type_id", 1)
    }

    private static func appendTime(_ nanoseconds: Int64, to out: ByteBuffer) {
        out.append(UInt8(ascii: "\""))
        RFC3339.append(nanoseconds: nanoseconds, to: out)
        out.append(UInt8(ascii: "\""))
    }
}
