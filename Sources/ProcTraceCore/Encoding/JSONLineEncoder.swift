/// Writes events as JSON Lines (schema version 1, docs/events.md) straight
/// into a reusable byte buffer: no Foundation, no intermediate strings.
/// Which fields a record has, and their order, is RecordSchema's; this
/// says how each field's value is written.
public struct JSONLineEncoder {
    private let schema = RecordSchema.compiled

    public init() {}

    /// Appends one line (with its newline) for `event`.
    public func append(_ event: Event, to out: ByteBuffer) {
        out.append("{\"seq\":")
        out.appendDecimal(event.seq)
        out.append(",\"time\":\"")
        RFC3339.append(nanoseconds: event.time, to: out)
        out.append("\",\"event\":\"")
        out.append(event.kind.jsonName)
        out.append(UInt8(ascii: "\""))
        // Each field as `,"key":value`. One that the event has no value for is
        // written as null (or its default) when the schema says it always is
        // (`unknown`), else left out. The loop and the switch stay in this one
        // function: called per field, the call cost more than the field.
        let context = event.contextStorage?.value
        for entry in schema.body(of: event.kind) {
            let field = entry.field
            switch field {
            case .seq, .time, .event:
                break // the header, written above
            case .pid:
                key(field, out)
                out.appendDecimal(event.pid)
            case .tid:
                key(field, out)
                out.appendDecimal(event.tid)
            case .oldPpid:
                key(field, out)
                out.appendDecimal(event.oldPpid)
            case .ppid:
                key(field, out)
                out.appendDecimal(event.ppid)
            case .comm:
                key(field, out)
                if event.unavailable.contains(.comm) {
                    out.append("null")  // unknown, never "" or stale
                } else {
                    event.comm.withBytes { JSONStringEscaper.appendQuoted($0, to: out) }
                }
            case .startTime:
                key(field, out)
                out.appendDecimal(event.startTime)
            case .state:
                key(field, out)
                if event.state != 0 {
                    out.append(UInt8(ascii: "\""))
                    out.append(event.state)
                    out.append(UInt8(ascii: "\""))
                } else {
                    out.append("null")
                }
            case .filename:
                if let filename = event.filename {
                    key(field, out)
                    JSONStringEscaper.appendQuoted(filename, to: out)
                } else { unknown(entry, out) }
            case .filenameTruncated:
                if event.filenameTruncated { flag(field, out) } else { unknownFlag(entry, out) }
            case .argv:
                key(field, out)
                JSONStringEscaper.appendArray(event.argv, to: out)
            case .argvTruncated:
                if event.argvTruncated { flag(field, out) } else { unknownFlag(entry, out) }
            case .oldPid:
                if let oldPid = event.oldPid {
                    key(field, out)
                    out.appendDecimal(oldPid)
                } else { unknown(entry, out) }
            case .exitCode:
                if let status = event.exitStatus {
                    key(field, out)
                    if let code = status.exitCode { out.appendDecimal(Int64(code)) } else { out.append("null") }
                } else { unknown(entry, out) }
            case .signal:
                if let status = event.exitStatus {
                    key(field, out)
                    if let signal = status.signal { out.appendDecimal(Int64(signal)) } else { out.append("null") }
                } else { unknown(entry, out) }
            case .coreDumped:
                if let status = event.exitStatus, status.coreDumped { flag(field, out) } else if event.exitStatus != nil {
                    key(field, out)
                    out.append("false")
                } else { unknownFlag(entry, out) }
            case .durationNs:
                key(field, out)
                if let duration = event.durationNs { out.appendDecimal(duration) } else { out.append("null") }
            case .reaper:
                key(field, out)
                if let reaper = event.reaper, reaper != 0 { out.appendDecimal(reaper) } else { out.append("null") }
            case .reason:
                key(field, out)
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: (event.reapReason ?? .freed).name.utf8)
                out.append(UInt8(ascii: "\""))
            case .errno:
                if let number = event.errorNumber {
                    key(field, out)
                    out.appendDecimal(Int64(number))
                } else { unknown(entry, out) }
            case .error:
                if let number = event.errorNumber, let name = ErrnoName.of(number) {
                    key(field, out)
                    out.append(UInt8(ascii: "\""))
                    out.append(name)
                    out.append(UInt8(ascii: "\""))
                } else { unknown(entry, out) }
            case .uid, .euid, .suid, .gid, .egid, .sgid:
                if let credentials = event.credentials {
                    key(field, out)
                    let value = switch field {
                    case .uid: credentials.uid
                    case .euid: credentials.euid
                    case .suid: credentials.suid
                    case .gid: credentials.gid
                    case .egid: credentials.egid
                    default: credentials.sgid
                    }
                    out.appendDecimal(UInt64(value))
                } else if field == .uid, event.kind == .user {
                    number(field, UInt64(event.annexStorage?.user?.uid ?? 0), out)
                } else { unknown(entry, out) }
            case .sid, .pgid:
                if let session = event.session {
                    key(field, out)
                    out.appendDecimal(field == .sid ? session.sid : session.pgid)
                } else { unknown(entry, out) }
            case .kernelThread:
                if event.isKernelThread { flag(field, out) } else { unknownFlag(entry, out) }
            case .unavailable:
                guard !event.unavailable.isEmpty || entry.isWrittenWhenUnknown else { break }
                key(field, out)
                appendNames(of: event.unavailable, to: out)
            case .bpfChoices:
                guard let choices = event.stream?.bpfChoices else { break }
                key(field, out)
                appendQuotedList(choices, to: out)
            case .hooks:
                guard let hooks = event.stream?.hooks else { break }
                key(field, out)
                JSONStringEscaper.appendQuoted(hooks, to: out)
            case .hooksRefused, .unavailableEvents:
                guard let stream = event.stream else { break }
                let names = field == .hooksRefused ? stream.hooksRefused : stream.unavailableEvents
                guard !names.isEmpty else { break }
                key(field, out)
                appendQuotedList(names, to: out)
            case .format, .version, .backend, .host, .bootID, .kernel, .proctraceVersion, .recorderPid:
                guard let stream = event.stream else { break }
                key(field, out)
                appendStream(field, of: stream, to: out)
            case .events:
                key(field, out)
                out.appendDecimal(event.eventCount)
            case .lost:
                key(field, out)
                out.appendDecimal(event.lostCount ?? 0)
            case .unwritten:
                key(field, out)
                out.appendDecimal(event.unwrittenCount)
            case .count:
                key(field, out)
                if let count = event.lostCount { out.appendDecimal(count) } else { out.append("null") }
            case .processes:
                key(field, out)
                out.appendDecimal(event.processCount)
            case .auid:
                if let value = context?.auid { number(field, UInt64(value), out) } else { unknown(entry, out) }
            case .auditSession:
                if let value = context?.auditSession { number(field, UInt64(value), out) } else { unknown(entry, out) }
            case .tty:
                if let value = context?.tty { string(field, value, out) } else { unknown(entry, out) }
            case .cwd:
                if let value = context?.cwd { string(field, value, out) } else { unknown(entry, out) }
            case .exe:
                if let value = context?.exe { string(field, value, out) } else { unknown(entry, out) }
            case .exeInode:
                if let value = context?.exeInode { number(field, value, out) } else { unknown(entry, out) }
            case .exeDevice:
                if let device = context?.exeDevice {
                    key(field, out)
                    out.append(UInt8(ascii: "\""))
                    out.appendDecimal(UInt64(device.major))
                    out.append(UInt8(ascii: ":"))
                    out.appendDecimal(UInt64(device.minor))
                    out.append(UInt8(ascii: "\""))
                } else { unknown(entry, out) }
            case .exeSHA256:
                if let digest = context?.exeSHA256 {
                    key(field, out)
                    out.append(UInt8(ascii: "\""))
                    digest.appendHex(to: out)
                    out.append(UInt8(ascii: "\""))
                } else { unknown(entry, out) }
            case .exeSHA256Skipped:
                guard let reason = context?.exeSHA256Skipped else { break }
                key(field, out)
                JSONStringEscaper.appendQuoted(reason.name, to: out)
            case .hashSkipped:
                guard let skipped = event.notice?.hashSkipped, !skipped.isEmpty else { break }
                key(field, out)
                appendQuotedList(skipped, to: out)
            case .reviewSkipped:
                guard let skipped = event.notice?.reviewSkipped, !skipped.isEmpty else { break }
                key(field, out)
                appendQuotedList(skipped, to: out)
            case .code, .message:
                let text = field == .code ? event.notice?.code : event.notice?.message
                if let text {
                    key(field, out)
                    JSONStringEscaper.appendQuoted(text, to: out)
                } else { unknown(entry, out) }
            case .keyID, .interval, .nextInterval, .trigger, .lines, .linesSHA256, .prevMAC, .mac:
                appendSeal(field, of: event.sealStorage?.value, to: out)
            case .ruleID, .title, .level, .tags, .execSeq, .ancestry:
                appendAlert(field, of: event.annexStorage?.alert, to: out)
            case .name:
                key(field, out)
                if let name = event.annexStorage?.user?.name { JSONStringEscaper.appendQuoted(name, to: out) } else { out.append("null") }
            case .cgroup:
                if let value = context?.cgroup { string(field, value, out) } else { unknown(entry, out) }
            case .containerID:
                if let value = context?.containerID { string(field, value, out) } else { unknown(entry, out) }
            case .pidns:
                if let value = context?.pidns { number(field, UInt64(value), out) } else { unknown(entry, out) }
            case .mntns:
                if let value = context?.mntns { number(field, UInt64(value), out) } else { unknown(entry, out) }
            case .netns:
                if let value = context?.netns { number(field, UInt64(value), out) } else { unknown(entry, out) }
            case .userns:
                if let value = context?.userns { number(field, UInt64(value), out) } else { unknown(entry, out) }
            case .nspid:
                if let value = context?.nspid {
                    key(field, out)
                    out.appendDecimal(value)
                } else { unknown(entry, out) }
            }
        }
        out.append("}\n")
    }

    @inline(__always)
    private func key(_ field: LogField, _ out: ByteBuffer) {
        schema.appendKey(field, to: out)
    }

    @inline(__always)
    private func number(_ field: LogField, _ value: UInt64, _ out: ByteBuffer) {
        key(field, out)
        out.appendDecimal(value)
    }

    @inline(__always)
    private func string(_ field: LogField, _ value: [UInt8], _ out: ByteBuffer) {
        key(field, out)
        JSONStringEscaper.appendQuoted(value, to: out)
    }

    @inline(__always)
    private func flag(_ field: LogField, _ out: ByteBuffer) {
        key(field, out)
        out.append("true")
    }

    /// A value the event does not have: null when the schema always writes the field.
    @inline(__always)
    private func unknown(_ entry: RecordSchema.Entry, _ out: ByteBuffer) {
        if entry.isWrittenWhenUnknown { write(entry.field, "null", out) }
    }

    /// A flag that is not set: false when the schema always writes the field.
    @inline(__always)
    private func unknownFlag(_ entry: RecordSchema.Entry, _ out: ByteBuffer) {
        if entry.isWrittenWhenUnknown { write(entry.field, "false", out) }
    }

    private func write(_ field: LogField, _ value: StaticString, _ out: ByteBuffer) {
        key(field, out)
        out.append(value)
    }

    /// A JSON array of strings (start records' lists).
    private func appendQuotedList(_ names: [String], to out: ByteBuffer) {
        out.append(UInt8(ascii: "["))
        for (index, name) in names.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONStringEscaper.appendQuoted(name, to: out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private func appendNames(of unavailable: UnavailableFields, to out: ByteBuffer) {
        out.append(UInt8(ascii: "["))
        var first = true
        for (field, name) in UnavailableFields.named where unavailable.contains(field) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A seal's field (null when the event has no seal: never from the recorder).
    private func appendSeal(_ field: LogField, of seal: SealInfo?, to out: ByteBuffer) {
        key(field, out)
        guard let seal else {
            out.append("null")
            return
        }
        func hex(_ digest: SHA256Digest) {
            out.append(UInt8(ascii: "\""))
            digest.appendHex(to: out)
            out.append(UInt8(ascii: "\""))
        }
        switch field {
        case .keyID: JSONStringEscaper.appendQuoted(seal.keyID, to: out)
        case .interval: out.appendDecimal(seal.interval)
        case .nextInterval: out.appendDecimal(seal.nextInterval)
        case .trigger: JSONStringEscaper.appendQuoted(seal.trigger.rawValue, to: out)
        case .lines: out.appendDecimal(seal.lines)
        case .linesSHA256: hex(seal.linesSHA256)
        case .prevMAC: if let previous = seal.previousMAC { hex(previous) } else { out.append("null") }
        default: hex(seal.mac)
        }
    }

    /// An alert's field (null when the event has no alert: never from the recorder).
    private func appendAlert(_ field: LogField, of alert: AlertInfo?, to out: ByteBuffer) {
        key(field, out)
        guard let alert else {
            // As an alert without a rule would be written (never from the recorder).
            out.append(field == .tags || field == .ancestry ? "[]" : field == .execSeq ? "null" : "\"\"")
            return
        }
        switch field {
        case .ruleID: JSONStringEscaper.appendQuoted(alert.ruleID, to: out)
        case .title: JSONStringEscaper.appendQuoted(alert.title, to: out)
        case .level: JSONStringEscaper.appendQuoted(alert.level, to: out)
        case .tags: appendQuotedList(alert.tags, to: out)
        case .execSeq: if let seq = alert.execSeq { out.appendDecimal(seq) } else { out.append("null") }
        default: appendAncestry(alert.ancestry, to: out)
        }
    }

    /// `[{"pid":…,"start_time":…,"exe":…,"argv":[…],"in_recording":…},…]`, parent first.
    private func appendAncestry(_ ancestry: [SigmaAncestor], to out: ByteBuffer) {
        out.append(UInt8(ascii: "["))
        for (index, ancestor) in ancestry.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"pid\":")
            out.appendDecimal(ancestor.pid)
            out.append(",\"start_time\":")
            out.appendDecimal(ancestor.startTime)
            out.append(",\"exe\":")
            if let image = ancestor.image { JSONStringEscaper.appendQuoted(image, to: out) } else { out.append("null") }
            out.append(",\"argv\":")
            JSONStringEscaper.appendArray(ancestor.argv, to: out)
            out.append(ancestor.known ? ",\"in_recording\":true}" : ",\"in_recording\":false}")
        }
        out.append(UInt8(ascii: "]"))
    }

    private func appendStream(_ field: LogField, of stream: StreamInfo, to out: ByteBuffer) {
        switch field {
        case .format: JSONStringEscaper.appendQuoted(StreamInfo.format, to: out)
        case .version: out.appendDecimal(Int64(stream.version))
        case .backend: JSONStringEscaper.appendQuoted(stream.backend, to: out)
        case .host: JSONStringEscaper.appendQuoted(stream.host, to: out)
        case .bootID: JSONStringEscaper.appendQuoted(stream.bootID, to: out)
        case .kernel: JSONStringEscaper.appendQuoted(stream.kernel, to: out)
        case .proctraceVersion: JSONStringEscaper.appendQuoted(stream.proctraceVersion, to: out)
        default: out.appendDecimal(stream.recorderPid)
        }
    }
}
