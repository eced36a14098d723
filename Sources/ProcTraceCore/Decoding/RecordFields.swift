/// What one line said, gathered in any order and checked once the line is read.
/// The record's own fields go straight into the caller's `Event` (a copy of
/// one is ~100 instructions); what must be checked together first waits here.
struct RecordFields {
    /// The record's kind, once its `event` field is read.
    var eventKind: EventKind?
    /// The same, as RecordSchema describes it to the decoder's guesses.
    var kind: RecordSchema.Kind?
    /// `field.bit` set for each field read.
    var seen: UInt64 = 0
    /// No value read holds something the encoder writes differently from
    /// how the line has it (a comm it cuts, a reaper 0 it writes as null, …):
    /// JSONLineDecoder's vouching for the line, beyond spelling and key order.
    var isAsEncoded = true

    var exitCode: Int?
    var signal: Int?
    var coreDumped = false
    var credentials = Credentials.root
    var sid: Int32?
    var pgid: Int32?
    var context = ProcessContext()
    /// Arrays and boxes to fill instead of allocating (swapped in for the line by JSONLineDecoder).
    var buffers = RecycledBuffers()

    /// The start record's own fields, in a box made when the first is read:
    /// other lines then neither set up nor tear down a dozen strings (~300 instructions a line).
    var startFields: StartFields?

    final class StartFields {
        var format: [UInt8]?
        var version: Int?
        var backend = ""
        var host = ""
        var bootID = ""
        var kernel = ""
        var proctraceVersion = ""
        var recorderPid: Int32 = 0
        var bpfChoices: [String]?
        var hooks: String?
        var hooksRefused: [String] = []
        var unavailableEvents: [String] = []
    }

    /// warning and stop: what their notice says (rare lines: a plain optional).
    var noticeFields: Notice?
    /// seal: its fields, checked together at the end.
    var sealFields: SealFields?
    /// alert and user: their own fields, in a box made when the first is read (one word on other lines).
    var annexFields: AnnexFields?

    final class AnnexFields {
        var alert: AlertInfo?
        /// user: its name (the uid is read as `uid`).
        var userName: [UInt8]?
    }

    private mutating func annex() -> AnnexFields {
        if let annexFields { return annexFields }
        let fields = AnnexFields()
        annexFields = fields
        return fields
    }

    struct SealFields {
        var keyID: String?
        var interval: UInt64?
        var nextInterval: UInt64?
        var trigger: SealInfo.Trigger?
        var lines: UInt64?
        var linesSHA256: SHA256Digest?
        var prevMAC: SHA256Digest?
        var mac: SHA256Digest?
    }

    private mutating func updateSeal(_ change: (inout SealFields) -> Void) {
        var fields = sealFields ?? SealFields()
        change(&fields)
        sealFields = fields
    }

    private mutating func updateAlert(_ change: (inout AlertInfo) -> Void) {
        let box = annex()
        var fields = box.alert ?? AlertInfo(ruleID: "", title: "", level: "", tags: [], execSeq: nil, ancestry: [])
        change(&fields)
        box.alert = fields
    }

    private mutating func updateNotice(_ change: (inout Notice) -> Void) {
        var notice = noticeFields ?? Notice()
        change(&notice)
        noticeFields = notice
    }

    private mutating func start() -> StartFields {
        if let startFields { return startFields }
        let fields = StartFields()
        startFields = fields
        return fields
    }

    mutating func read(_ field: LogField, from scanner: inout JSONScanner, into event: inout Event) throws {
        seen |= field.bit
        switch field {
        case .seq: event.seq = try scanner.scanUnsigned()
        case .time: event.time = try readTime(&scanner)
        case .event:
            let name = try scanner.scanString()
            let schema = RecordSchema.compiled
            guard let kind = try EventKind(bytes: name, in: scanner, schema: schema) else {
                throw JSONLineDecodingError.invalidRecord("unknown event \"\(try quoted(name, scanner))\"")
            }
            eventKind = kind
            self.kind = RecordSchema.Kind(kind, in: schema)
        case .pid: event.pid = try readInt32(&scanner, field)
        case .tid: event.tid = try readInt32(&scanner, field)
        case .oldPpid: event.oldPpid = try readInt32(&scanner, field)
        case .ppid: event.ppid = try readInt32(&scanner, field)
        case .comm:
            if scanner.consumeNull() {
                event.comm = Comm()
                event.unavailable.insert(.comm)
                // The encoder would list it in "unavailable" too.
                isAsEncoded = false
                return
            }
            let token = try scanner.scanString()
            if token.end - token.start >= Comm.capacity { isAsEncoded = false }
            if token.hasEscapes {
                var bytes: [UInt8] = []
                try scanner.appendContent(of: token, to: &bytes)
                // The kernel's name ends at a NUL: one inside would cut it short without a word.
                guard !bytes.contains(0) else { throw JSONLineDecodingError.invalidRecord("\"comm\" holds \\u0000 (NUL)") }
                event.comm = Comm(bytes)
            } else {
                event.comm = Comm(bytes: scanner.text(token))
            }
        case .startTime: event.startTime = try scanner.scanUnsigned()
        case .state:
            if scanner.consumeNull() {
                event.state = 0
            } else {
                let token = try scanner.scanString()
                guard !token.hasEscapes, token.end - token.start == 1 else {
                    throw JSONLineDecodingError.invalidRecord("\"state\" must be one letter, not \"\(try quoted(token, scanner))\"")
                }
                event.state = scanner.bytes[token.start]
            }
        case .filename:
            event.filename = try readBytes(&scanner)
        case .filenameTruncated: event.filenameTruncated = try scanner.scanBool()
        case .argv: event.argv = try readArgv(&scanner)
        case .argvTruncated: event.argvTruncated = try scanner.scanBool()
        case .oldPid: event.oldPid = scanner.consumeNull() ? nil : try readInt32(&scanner, field)
        case .exitCode: exitCode = try readOptionalInt(&scanner, field, in: 0...255)
        case .signal: signal = try readOptionalInt(&scanner, field, in: 1...127)
        case .coreDumped: coreDumped = try scanner.scanBool()
        case .durationNs: event.durationNs = scanner.consumeNull() ? nil : try scanner.scanUnsigned()
        case .errno: event.errorNumber = scanner.consumeNull() ? nil : try readInt32(&scanner, .errno)
        case .error:
            // The name follows from errno; it is read only to be checked, so the line may name another.
            if !scanner.consumeNull() { _ = try scanner.scanString() }
            isAsEncoded = false
        case .reaper:
            event.reaper = scanner.consumeNull() ? nil : try readInt32(&scanner, field)
            if event.reaper == 0 { isAsEncoded = false }  // written as null
        case .reason:
            let token = try scanner.scanString()
            let name = try string(token, scanner)
            guard let reason = ReapReason(name: name) else {
                throw JSONLineDecodingError.invalidRecord("unknown reap reason \"\(UntrustedText.escaped(name))\"")
            }
            event.reapReason = reason
        case .uid: credentials.uid = try readUInt32(&scanner, field)
        case .euid: credentials.euid = try readUInt32(&scanner, field)
        case .suid: credentials.suid = try readUInt32(&scanner, field)
        case .gid: credentials.gid = try readUInt32(&scanner, field)
        case .egid: credentials.egid = try readUInt32(&scanner, field)
        case .sgid: credentials.sgid = try readUInt32(&scanner, field)
        case .sid: sid = try readInt32(&scanner, field)
        case .pgid: pgid = try readInt32(&scanner, field)
        case .kernelThread: event.isKernelThread = try scanner.scanBool()
        case .unavailable: event.unavailable.formUnion(try readUnavailable(&scanner))
        case .format:
            var bytes: [UInt8] = []
            try scanner.appendContent(of: try scanner.scanString(), to: &bytes)
            start().format = bytes
        case .version:
            let value = try scanner.scanSigned()
            guard let version = Int(exactly: value), version > 0 else {
                throw JSONLineDecodingError.invalidRecord("\"version\" must be a positive integer, not \(value)")
            }
            start().version = version
        case .backend: start().backend = try string(try scanner.scanString(), scanner)
        case .host: start().host = try string(try scanner.scanString(), scanner)
        case .bootID: start().bootID = try string(try scanner.scanString(), scanner)
        case .kernel: start().kernel = try string(try scanner.scanString(), scanner)
        case .proctraceVersion: start().proctraceVersion = try string(try scanner.scanString(), scanner)
        case .recorderPid: start().recorderPid = try readInt32(&scanner, field)
        case .bpfChoices: start().bpfChoices = try readStrings(&scanner)
        case .hooks: start().hooks = try string(try scanner.scanString(), scanner)
        case .hooksRefused: start().hooksRefused = try readStrings(&scanner)
        case .unavailableEvents: start().unavailableEvents = try readStrings(&scanner)
        case .events: event.eventCount = try scanner.scanUnsigned()
        case .lost, .count: event.lostCount = scanner.consumeNull() ? nil : try scanner.scanUnsigned()
        case .unwritten: event.unwrittenCount = try scanner.scanUnsigned()
        case .processes: event.processCount = try scanner.scanUnsigned()
        case .auid: context.auid = scanner.consumeNull() ? nil : try readUInt32(&scanner, field)
        case .auditSession: context.auditSession = scanner.consumeNull() ? nil : try readUInt32(&scanner, field)
        case .tty: context.tty = try readBytes(&scanner)
        case .cwd: context.cwd = try readBytes(&scanner)
        case .exe: context.exe = try readBytes(&scanner)
        case .exeInode: context.exeInode = scanner.consumeNull() ? nil : try scanner.scanUnsigned()
        case .exeDevice: context.exeDevice = try readDevice(&scanner)
        case .exeSHA256: context.exeSHA256 = try readDigest(&scanner)
        case .exeSHA256Skipped:
            let name = try string(try scanner.scanString(), scanner)
            guard let reason = HashSkipReason(name: name) else {
                throw JSONLineDecodingError.invalidRecord("unknown exe_sha256_skipped \"\(UntrustedText.escaped(name))\"")
            }
            context.exeSHA256Skipped = reason
        case .hashSkipped:
            let skipped = try readStrings(&scanner)
            updateNotice { $0.hashSkipped = skipped }
        case .reviewSkipped:
            let skipped = try readStrings(&scanner)
            updateNotice { $0.reviewSkipped = skipped }
        case .code, .message:
            let text = scanner.consumeNull() ? nil : try string(try scanner.scanString(), scanner)
            updateNotice { if field == .code { $0.code = text } else { $0.message = text } }
        case .keyID:
            let text = try string(try scanner.scanString(), scanner)
            updateSeal { $0.keyID = text }
        case .interval:
            let value = try scanner.scanUnsigned()
            updateSeal { $0.interval = value }
        case .nextInterval:
            let value = try scanner.scanUnsigned()
            updateSeal { $0.nextInterval = value }
        case .trigger:
            let name = try string(try scanner.scanString(), scanner)
            guard let trigger = SealInfo.Trigger(rawValue: name) else {
                throw JSONLineDecodingError.invalidRecord("unknown seal trigger \"\(UntrustedText.escaped(name))\"")
            }
            updateSeal { $0.trigger = trigger }
        case .lines:
            let value = try scanner.scanUnsigned()
            updateSeal { $0.lines = value }
        case .linesSHA256, .prevMAC, .mac:
            let digest = try readHex(&scanner, field)
            updateSeal {
                switch field {
                case .linesSHA256: $0.linesSHA256 = digest
                case .prevMAC: $0.prevMAC = digest
                default: $0.mac = digest
                }
            }
        case .ruleID, .title, .level:
            let text = scanner.consumeNull() ? "" : try string(try scanner.scanString(), scanner)
            updateAlert {
                switch field {
                case .ruleID: $0.ruleID = text
                case .title: $0.title = text
                default: $0.level = text
                }
            }
        case .tags:
            let tags = try readStrings(&scanner)
            updateAlert { $0.tags = tags }
        case .execSeq:
            let seq = scanner.consumeNull() ? nil : try scanner.scanUnsigned()
            updateAlert { $0.execSeq = seq }
        case .ancestry:
            let ancestry = try readAncestry(&scanner)
            updateAlert { $0.ancestry = ancestry }
        case .name:
            let name = try readBytes(&scanner)
            annex().userName = name
        case .cgroup: context.cgroup = try readBytes(&scanner)
        case .containerID: context.containerID = try readBytes(&scanner)
        case .pidns: context.pidns = scanner.consumeNull() ? nil : try readUInt32(&scanner, field)
        case .mntns: context.mntns = scanner.consumeNull() ? nil : try readUInt32(&scanner, field)
        case .netns: context.netns = scanner.consumeNull() ? nil : try readUInt32(&scanner, field)
        case .userns: context.userns = scanner.consumeNull() ? nil : try readUInt32(&scanner, field)
        case .nspid: context.nspid = scanner.consumeNull() ? nil : try readInt32(&scanner, field)
        }
    }

    /// Completes `event`, once every field is in and they agree with each other.
    mutating func finishEvent(_ event: inout Event) throws {
        guard let kind = eventKind else { throw JSONLineDecodingError.invalidRecord("no \"event\" field") }
        event.kind = kind
        switch kind {
        case .start, .stop, .lost, .resync, .seal, .alert, .user:
            // Rare, and their counts and stream fields have defaults the encoder writes: not vouched for.
            isAsEncoded = false
        case .exit, .exists:
            // The encoder writes the one status the fields make (signal over exit code, a core only with a signal).
            if (signal != nil && exitCode != nil) || (coreDumped && signal == nil) { isAsEncoded = false }
        default:
            break
        }
        if kind == .start {
            // Checked before anything else: a newer schema may lay the record out differently.
            guard let version = startFields?.version else {
                throw JSONLineDecodingError.invalidRecord("start record has no \"version\"")
            }
            guard version <= StreamInfo.schemaVersion else { throw JSONLineDecodingError.newerSchema(version: version) }
            if let format = startFields?.format, format != Array(StreamInfo.format.utf8) {
                throw JSONLineDecodingError.invalidRecord(
                    "not a proctrace log: format \"\(UntrustedText.escaped(format))\"")
            }
        }
        try require(RecordSchema.compiled.required[Int(kind.rawValue)], of: kind)

        switch kind {
        case .start:
            let fields = startFields!
            var stream = StreamInfo(version: fields.version!, backend: fields.backend, host: fields.host,
                                    bootID: fields.bootID, kernel: fields.kernel,
                                    proctraceVersion: fields.proctraceVersion, recorderPid: fields.recorderPid)
            stream.bpfChoices = fields.bpfChoices
            stream.hooks = fields.hooks
            stream.hooksRefused = fields.hooksRefused
            stream.unavailableEvents = fields.unavailableEvents
            event.stream = stream
        case .exit, .exists:
            if let signal {
                event.exitStatus = WaitStatus(signal: signal, coreDumped: coreDumped)
            } else if let exitCode {
                event.exitStatus = WaitStatus(exitCode: exitCode)
            }
        default:
            break
        }

        if kind == .user {
            // Its uid is the user's, not a process's credentials.
            event.user = UserName(uid: credentials.uid, name: annexFields?.userName)
            seen &= ~LogField.uid.bit
        }
        if kind == .alert { event.alert = annexFields?.alert }
        let credentialBits = LogField.credentialBits
        if seen & credentialBits == credentialBits {
            event.credentials = credentials
        } else if seen & credentialBits != 0 {
            let missing = LogField.credentialFields.filter { seen & $0.bit == 0 }.map { "\"\($0.key)\"" }
            throw JSONLineDecodingError.invalidRecord("credentials are incomplete: no \(missing.joined(separator: ", "))")
        }
        if let noticeFields { event.notice = noticeFields }
        if kind == .seal {
            guard let fields = sealFields, let keyID = fields.keyID, let interval = fields.interval,
                  let nextInterval = fields.nextInterval, let trigger = fields.trigger, let lines = fields.lines,
                  let linesSHA256 = fields.linesSHA256, let mac = fields.mac else {
                throw JSONLineDecodingError.invalidRecord("seal record is incomplete")
            }
            event.seal = SealInfo(keyID: keyID, interval: interval, nextInterval: nextInterval, trigger: trigger,
                                  lines: lines, linesSHA256: linesSHA256, previousMAC: fields.prevMAC, mac: mac)
        }
        if seen & LogField.contextBits != 0 { event.contextStorage = buffers.context(holding: &context) }
        switch (sid, pgid) {
        case let (sid?, pgid?): event.session = SessionIDs(sid: sid, pgid: pgid)
        case (nil, nil): break
        default: throw JSONLineDecodingError.invalidRecord("\"sid\" and \"pgid\" come together")
        }
    }

    /// Throws naming the first of `fields` (a set of `LogField.bit`s) the line lacks.
    private func require(_ fields: UInt64, of kind: EventKind) throws {
        guard seen & fields != fields else { return }
        for field in LogField.allCases where fields & field.bit != 0 && seen & field.bit == 0 {
            throw JSONLineDecodingError.invalidRecord("\(kind.name) record has no \"\(field.key)\"")
        }
    }

    private func string(_ token: JSONScanner.StringToken, _ scanner: JSONScanner) throws -> String {
        var bytes: [UInt8] = []
        try scanner.appendContent(of: token, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A string from the line, escaped for quoting in an error message.
    private func quoted(_ token: JSONScanner.StringToken, _ scanner: JSONScanner) throws -> String {
        var bytes: [UInt8] = []
        try scanner.appendContent(of: token, to: &bytes)
        return UntrustedText.escaped(bytes)
    }

    private mutating func readTime(_ scanner: inout JSONScanner) throws -> Int64 {
        if let nanoseconds = scanner.consumeString(length: RFC3339.canonicalLength, { buffers.recentSecond.parse($0) }) {
            // A leap second (:60) is written as the next minute's :00.
            if scanner.bytes[scanner.index - 14] >= UInt8(ascii: "6") { isAsEncoded = false }
            return nanoseconds
        }
        isAsEncoded = false
        let token = try scanner.scanString()
        let text = scanner.text(token)
        if !token.hasEscapes, let nanoseconds = RFC3339.parseCanonical(text) ?? RFC3339.parse(text) {
            return nanoseconds
        }
        var bytes: [UInt8] = []
        try scanner.appendContent(of: token, to: &bytes)
        if case let .failure(failure) = RFC3339.check(bytes), failure != .malformed {
            throw JSONLineDecodingError.invalidRecord("\"time\" \"\(UntrustedText.escaped(bytes))\" \(failure.reason)")
        }
        throw JSONLineDecodingError.invalidRecord("\"time\" is not an RFC 3339 timestamp: \"\(UntrustedText.escaped(bytes))\"")
    }

    private func readInt32(_ scanner: inout JSONScanner, _ field: LogField) throws -> Int32 {
        let value = try scanner.scanSigned()
        guard let result = Int32(exactly: value) else {
            throw JSONLineDecodingError.invalidRecord("\"\(field.key)\" out of range: \(value)")
        }
        return result
    }

    private func readUInt32(_ scanner: inout JSONScanner, _ field: LogField) throws -> UInt32 {
        let value = try scanner.scanUnsigned()
        guard let result = UInt32(exactly: value) else {
            throw JSONLineDecodingError.invalidRecord("\"\(field.key)\" out of range: \(value)")
        }
        return result
    }

    private func readOptionalInt(_ scanner: inout JSONScanner, _ field: LogField, in range: ClosedRange<Int>) throws -> Int? {
        if scanner.consumeNull() { return nil }
        let value = try scanner.scanSigned()
        guard let result = Int(exactly: value), range.contains(result) else {
            throw JSONLineDecodingError.invalidRecord(
                "\"\(field.key)\" must be \(range.lowerBound)...\(range.upperBound), not \(value)")
        }
        return result
    }

    private mutating func readArgv(_ scanner: inout JSONScanner) throws -> ArgumentVector? {
        if scanner.consumeNull() { return nil }
        try scanner.expect(UInt8(ascii: "["))
        var bytes = buffers.emptyBytes()
        if scanner.consume(UInt8(ascii: "]")) { return ArgumentVector(bytes: bytes) }
        // Gathered in a buffer on the stack and appended in one go: an
        // append per argument and per NUL was ~200 instructions an argument.
        // Each argument takes no more room decoded, with its NUL, than its
        // quoted text: the rest of the line is enough (and never 0 bytes, so
        // the buffer has an address).
        let capacity = max(scanner.remainingCount, 1)
        try withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { buffer in
            let start = buffer.baseAddress!
            var length = 0
            repeat {
                let token = try scanner.scanString()
                let copied = try scanner.copyContent(of: token, to: start + length)
                // Arguments are kept NUL-separated, as the kernel keeps them: a NUL inside one would split it in two.
                if token.hasEscapes, UnsafeRawBufferPointer(start: start + length, count: copied).contains(0) {
                    throw JSONLineDecodingError.invalidRecord("an argument in \"argv\" holds \\u0000 (NUL), "
                                                              + "which no argument of a Linux process can")
                }
                length += copied
                start.storeBytes(of: 0, toByteOffset: length, as: UInt8.self)
                length += 1
            } while scanner.consume(UInt8(ascii: ","))
            try scanner.expect(UInt8(ascii: "]"))
            bytes.append(contentsOf: UnsafeRawBufferPointer(start: start, count: length))
        }
        return ArgumentVector(bytes: bytes)
    }

    private mutating func readBytes(_ scanner: inout JSONScanner) throws -> [UInt8]? {
        if scanner.consumeNull() { return nil }
        let token = try scanner.scanString()
        var bytes = buffers.emptyBytes()
        try scanner.appendContent(of: token, to: &bytes)
        return bytes
    }

    /// `"MAJOR:MINOR"`, two decimal numbers.
    private mutating func readDevice(_ scanner: inout JSONScanner) throws -> DeviceNumber? {
        if scanner.consumeNull() { return nil }
        let token = try scanner.scanString()
        let text = scanner.text(token)
        if !token.hasEscapes, let colon = text.firstIndex(of: UInt8(ascii: ":")),
           let major = DecimalDigits.uint32(UnsafeRawBufferPointer(rebasing: text[..<colon])),
           let minor = DecimalDigits.uint32(UnsafeRawBufferPointer(rebasing: text[(colon + 1)...])) {
            // Leading zeros are read, not written.
            if (colon > 1 && text[0] == UInt8(ascii: "0")) || (text.count - colon > 2 && text[colon + 1] == UInt8(ascii: "0")) {
                isAsEncoded = false
            }
            return DeviceNumber(major: major, minor: minor)
        }
        throw JSONLineDecodingError.invalidRecord("\"exe_device\" must be \"MAJOR:MINOR\", not \"\(try quoted(token, scanner))\"")
    }

    /// 64 hex digits, or null (read as nil).
    private func readHex(_ scanner: inout JSONScanner, _ field: LogField) throws -> SHA256Digest? {
        if scanner.consumeNull() { return nil }
        let token = try scanner.scanString()
        guard !token.hasEscapes, let digest = SHA256Digest(hex: scanner.text(token)) else {
            throw JSONLineDecodingError.invalidRecord("\"\(field.key)\" must be 64 hex digits")
        }
        return digest
    }

    private mutating func readDigest(_ scanner: inout JSONScanner) throws -> SHA256Digest? {
        if scanner.consumeNull() { return nil }
        let token = try scanner.scanString()
        guard !token.hasEscapes, let digest = SHA256Digest(hex: scanner.text(token)) else {
            throw JSONLineDecodingError.invalidRecord("\"exe_sha256\" must be 64 hex digits, not \"\(try quoted(token, scanner))\"")
        }
        // Upper-case digits are read; the encoder writes lower case.
        if scanner.text(token).contains(where: { $0 < UInt8(ascii: "a") && $0 > UInt8(ascii: "9") }) { isAsEncoded = false }
        return digest
    }

    /// An alert's `ancestry`: objects of pid, start_time, exe, argv and in_recording (any order, others skipped).
    private mutating func readAncestry(_ scanner: inout JSONScanner) throws -> [SigmaAncestor] {
        var ancestry: [SigmaAncestor] = []
        try scanner.expect(UInt8(ascii: "["))
        if scanner.consume(UInt8(ascii: "]")) { return ancestry }
        repeat {
            var ancestor = SigmaAncestor(pid: 0, startTime: 0, image: nil, argv: nil, known: false)
            try scanner.expect(UInt8(ascii: "{"))
            if !scanner.consume(UInt8(ascii: "}")) {
                repeat {
                    let key = try string(try scanner.scanString(), scanner)
                    try scanner.expect(UInt8(ascii: ":"))
                    switch key {
                    case "pid": ancestor.pid = try readInt32(&scanner, .pid)
                    case "start_time": ancestor.startTime = try scanner.scanUnsigned()
                    case "exe": ancestor.image = try readBytes(&scanner)
                    case "argv": ancestor.argv = try readArgv(&scanner)
                    case "in_recording": ancestor.known = try scanner.scanBool()
                    default: try scanner.skipValue(depth: 2)
                    }
                } while scanner.consume(UInt8(ascii: ","))
                try scanner.expect(UInt8(ascii: "}"))
            }
            ancestry.append(ancestor)
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "]"))
        return ancestry
    }

    private func readStrings(_ scanner: inout JSONScanner) throws -> [String] {
        var strings: [String] = []
        try scanner.expect(UInt8(ascii: "["))
        if scanner.consume(UInt8(ascii: "]")) { return strings }
        repeat {
            strings.append(try string(try scanner.scanString(), scanner))
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "]"))
        return strings
    }

    private mutating func readUnavailable(_ scanner: inout JSONScanner) throws -> UnavailableFields {
        var fields: UnavailableFields = []
        try scanner.expect(UInt8(ascii: "["))
        // The encoder leaves out an empty list.
        if scanner.consume(UInt8(ascii: "]")) {
            isAsEncoded = false
            return fields
        }
        let names = RecordFields.unavailableNames
        var last = -1
        repeat {
            let token = try scanner.scanString()
            var position: Int?
            if token.hasEscapes {
                let name = try string(token, scanner)
                position = UnavailableFields.named.firstIndex { $0.1 == name }
            } else {
                let text = scanner.text(token)
                position = names.firstIndex { $0.count == text.count && $0.elementsEqual(text) }
            }
            // A name this version does not know is a field it does not have anyway.
            if let position {
                fields.insert(UnavailableFields.named[position].0)
                // The encoder writes each name once, in this order; with comm listed it writes comm as null.
                if position <= last || UnavailableFields.named[position].0 == .comm { isAsEncoded = false }
                last = position
            } else {
                isAsEncoded = false
            }
        } while scanner.consume(UInt8(ascii: ","))
        try scanner.expect(UInt8(ascii: "]"))
        return fields
    }

    private static let unavailableNames: [[UInt8]] = UnavailableFields.named.map { Array($0.1.utf8) }
}
