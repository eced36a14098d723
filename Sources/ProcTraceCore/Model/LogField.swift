/// The keys of a log record that schema version 1 defines, each spelled once.
/// Which kind has which, in what order: RecordSchema.
enum LogField: Int, CaseIterable {
    case seq, time, event
    case pid, tid, oldPpid, ppid, comm, startTime
    case state, filename, filenameTruncated, argv, argvTruncated, oldPid
    case exitCode, signal, coreDumped, durationNs
    case reaper, reason
    case uid, euid, suid, gid, egid, sgid, sid, pgid
    case kernelThread, unavailable
    case format, version, backend, host, bootID, kernel, proctraceVersion, recorderPid, bpfChoices
    case events, lost, unwritten, count, processes
    // Who, where and which binary (ProcessContext).
    case auid, auditSession, tty, cwd, exe, exeInode, exeDevice, exeSHA256, cgroup, containerID
    case pidns, mntns, netns, userns, nspid
    case hooks, hooksRefused, unavailableEvents
    case errno, error
    case exeSHA256Skipped, hashSkipped, code, message
    // seal (docs/sealing.md).
    case keyID, interval, nextInterval, trigger, lines, linesSHA256, prevMAC, mac
    // alert and user (docs/hunting.md).
    case ruleID, title, level, tags, execSeq, ancestry, name, reviewSkipped

    var key: StaticString {
        switch self {
        case .seq: "seq"
        case .time: "time"
        case .event: "event"
        case .pid: "pid"
        case .tid: "tid"
        case .oldPpid: "old_ppid"
        case .ppid: "ppid"
        case .comm: "comm"
        case .startTime: "start_time"
        case .state: "state"
        case .filename: "filename"
        case .filenameTruncated: "filename_truncated"
        case .argv: "argv"
        case .argvTruncated: "argv_truncated"
        case .oldPid: "old_pid"
        case .exitCode: "exit_code"
        case .signal: "signal"
        case .coreDumped: "core_dumped"
        case .durationNs: "duration_ns"
        case .reaper: "reaper"
        case .reason: "reason"
        case .uid: "uid"
        case .euid: "euid"
        case .suid: "suid"
        case .gid: "gid"
        case .egid: "egid"
        case .sgid: "sgid"
        case .sid: "sid"
        case .pgid: "pgid"
        case .kernelThread: "kernel_thread"
        case .unavailable: "unavailable"
        case .format: "format"
        case .version: "version"
        case .backend: "backend"
        case .host: "host"
        case .bootID: "boot_id"
        case .kernel: "kernel"
        case .proctraceVersion: "proctrace_version"
        case .recorderPid: "recorder_pid"
        case .bpfChoices: "bpf_choices"
        case .events: "events"
        case .lost: "lost"
        case .unwritten: "unwritten"
        case .count: "count"
        case .processes: "processes"
        case .auid: "auid"
        case .auditSession: "audit_session"
        case .tty: "tty"
        case .cwd: "cwd"
        case .exe: "exe"
        case .exeInode: "exe_inode"
        case .exeDevice: "exe_device"
        case .exeSHA256: "exe_sha256"
        case .cgroup: "cgroup"
        case .containerID: "container_id"
        case .pidns: "pidns"
        case .mntns: "mntns"
        case .netns: "netns"
        case .userns: "userns"
        case .nspid: "nspid"
        case .hooks: "hooks"
        case .hooksRefused: "hooks_refused"
        case .unavailableEvents: "unavailable_events"
        case .errno: "errno"
        case .error: "error"
        case .exeSHA256Skipped: "exe_sha256_skipped"
        case .hashSkipped: "hash_skipped"
        case .code: "code"
        case .message: "message"
        case .keyID: "key_id"
        case .interval: "interval"
        case .nextInterval: "next_interval"
        case .trigger: "trigger"
        case .lines: "lines"
        case .linesSHA256: "lines_sha256"
        case .prevMAC: "prev_mac"
        case .mac: "mac"
        case .ruleID: "rule_id"
        case .title: "title"
        case .level: "level"
        case .tags: "tags"
        case .execSeq: "exec_seq"
        case .ancestry: "ancestry"
        case .name: "name"
        case .reviewSkipped: "review_skipped"
        }
    }

    /// `,"key":` for each field (by raw value), as the encoder writes it
    /// between the previous value and this one.
    static let keysAfterComma = allCases.map { ShortLiteral(Array(",\"\($0.key)\":".utf8)) }

    /// Fields grouped by key length, so a lookup compares a handful of keys at most.
    static let byLength: [[LogField]] = {
        var table = [[LogField]](repeating: [], count: 32)
        for field in LogField.allCases { table[field.key.utf8CodeUnitCount].append(field) }
        return table
    }()

    init?(_ key: UnsafeRawBufferPointer) {
        guard key.count < LogField.byLength.count else { return nil }
        for candidate in LogField.byLength[key.count] where LogField.equal(key, candidate.key) {
            self = candidate
            return
        }
        return nil
    }

    init?(escaped key: JSONScanner.StringToken, in scanner: JSONScanner) throws {
        var bytes: [UInt8] = []
        try scanner.appendContent(of: key, to: &bytes)
        guard let field = bytes.withUnsafeBytes({ LogField($0) }) else { return nil }
        self = field
    }

    /// The key the encoder usually writes after this one in a record of
    /// `kind` (nil: `event` not read yet), from RecordSchema; nil when it
    /// usually writes none. A guess that is checked, so a wrong one only
    /// costs reading the key.
    @inline(__always)
    func usualSuccessor(in kind: RecordSchema.Kind?) -> LogField? {
        guard let kind else {
            switch self {
            case .seq: return .time
            case .time: return .event
            default: return nil
            }
        }
        return kind.usualSuccessor(of: self)
    }

    @inline(__always)
    static func equal(_ bytes: UnsafeRawBufferPointer, _ key: StaticString) -> Bool {
        let start = key.utf8Start
        for index in 0..<bytes.count where bytes[index] != start[index] { return false }
        return true
    }
}

extension LogField {
    /// A field's bit in a set of fields. Only the first 64 fields have one
    /// (the rest: 0): the decoder tracks fields only to check the required
    /// ones and the credentials, which come first (a test checks), so any
    /// number of optional fields can follow.
    var bit: UInt64 {
        @inline(__always) get { rawValue < 64 ? 1 &<< UInt64(rawValue) : 0 }
    }

    static let credentialFields: [LogField] = [.uid, .euid, .suid, .gid, .egid, .sgid]

    /// The ProcessContext fields' bits (RecordSchema.contextFields): a record with any of them has a context.
    static let contextBits: UInt64 = RecordSchema.contextFields.reduce(0) { $0 | $1.bit }

    static var credentialBits: UInt64 {
        @inline(__always) get { uid.bit | euid.bit | suid.bit | gid.bit | egid.bit | sgid.bit }
    }
}
