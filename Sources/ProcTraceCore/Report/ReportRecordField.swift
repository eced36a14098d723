/// One value a process record carries in the report's data after its own columns (kind, row, time,
/// seq, comm, ppid), and how the page shows it: the report's view of a LogField. Which a kind of
/// record carries, in what order, is RecordSchema's: every field of its body that has a report field
/// here, in the body's order. The page reads the list per kind from the schema element
/// (ReportSchema.records): it spells no field and counts no values, so a field added to a kind's
/// body reaches the page with no edit to the script.
enum ReportRecordField: CaseIterable {
    case state, filename, filenameTruncated, argv, argvTruncated, oldPid, credentials, session, status, durationNs
    case reaper, reason, tid, oldPpid, kernelThread, unavailable

    /// How the page writes a value (report.js, DISPLAY); -1 is no value (for `duration`, -2^51).
    enum Display: String {
        case character, quoted, text, number, flag, credentials, session, status, duration, reason, unavailable
    }

    /// The report field a log field is part of, if the report keeps it. A new LogField needs its case
    /// here (the compiler asks): nil, or a report field of its own and its value (`value(of:)`).
    static func of(_ field: LogField) -> ReportRecordField? {
        switch field {
        case .state: .state
        case .filename: .filename
        case .filenameTruncated: .filenameTruncated
        case .argv: .argv
        case .argvTruncated: .argvTruncated
        case .oldPid: .oldPid
        // One index into the report's table of credentials for the six, of sessions for the two.
        case .uid: .credentials
        case .euid, .suid, .gid, .egid, .sgid: nil
        case .sid: .session
        case .pgid: nil
        // The wait status the three are written from.
        case .exitCode: .status
        case .signal, .coreDumped: nil
        case .durationNs: .durationNs
        case .reaper: .reaper
        case .reason: .reason
        case .tid: .tid
        case .oldPpid: .oldPpid
        case .kernelThread: .kernelThread
        case .unavailable: .unavailable
        // The record's own columns, or its row's (pid, start_time).
        case .seq, .time, .event, .pid, .ppid, .comm, .startTime: nil
        // The process context (who, where, which binary) is not in the report.
        case .auid, .auditSession, .tty, .cwd, .exe, .exeInode, .exeDevice, .exeSHA256, .cgroup, .containerID,
             .pidns, .mntns, .netns, .userns, .nspid, .exeSHA256Skipped:
            nil
        // Fields of records that are no process's (start, stop, warning, seal, alert, user) or that the
        // page does not show (exec_failed: an attempt leaves the process as it was).
        case .format, .version, .backend, .host, .bootID, .kernel, .proctraceVersion, .recorderPid, .bpfChoices,
             .events, .lost, .unwritten, .count, .processes, .hooks, .hooksRefused, .unavailableEvents,
             .errno, .error, .hashSkipped, .code, .message,
             .keyID, .interval, .nextInterval, .trigger, .lines, .linesSHA256, .prevMAC, .mac,
             .ruleID, .title, .level, .tags, .execSeq, .ancestry, .name, .reviewSkipped:
            nil
        }
    }

    /// The page's label: the log's key, or the name of the group.
    var label: String {
        switch self {
        case .credentials: "credentials"
        case .session: "session"
        case .status: "status"
        case .state: LogField.state.key.description
        case .filename: LogField.filename.key.description
        case .filenameTruncated: LogField.filenameTruncated.key.description
        case .argv: LogField.argv.key.description
        case .argvTruncated: LogField.argvTruncated.key.description
        case .oldPid: LogField.oldPid.key.description
        case .durationNs: LogField.durationNs.key.description
        case .reaper: LogField.reaper.key.description
        case .reason: LogField.reason.key.description
        case .tid: LogField.tid.key.description
        case .oldPpid: LogField.oldPpid.key.description
        case .kernelThread: LogField.kernelThread.key.description
        case .unavailable: LogField.unavailable.key.description
        }
    }

    var display: Display {
        switch self {
        case .state: .character
        case .filename: .quoted
        case .argv: .text
        case .filenameTruncated, .argvTruncated, .kernelThread: .flag
        case .oldPid, .reaper, .tid, .oldPpid: .number
        case .credentials: .credentials
        case .session: .session
        case .status: .status
        case .durationNs: .duration
        case .reason: .reason
        case .unavailable: .unavailable
        }
    }

    /// The value the data holds for `event`, a record of `process`'s row: -1 for none (a flag that is
    /// false, an empty set: what the log leaves out); a duration as its difference to (time − the row's
    /// begin), nearly equal, so a small number, `absentDifference` for none.
    @inline(__always)
    func value(of event: Event, in process: ReportProcess, strings: ReportBuilder.RecordStrings, tables: ReportTables) -> Int64 {
        switch self {
        case .state: Int64(event.state)
        case .filename: strings.file
        case .filenameTruncated: event.filenameTruncated ? 1 : -1
        case .argv: strings.argv
        case .argvTruncated: event.argvTruncated ? 1 : -1
        case .oldPid: event.oldPid.map(Int64.init) ?? -1
        case .credentials: event.credentials.map { tables.credentials.index($0) } ?? -1
        case .session: event.session.map { tables.sessions.index($0) } ?? -1
        case .status: event.exitStatus.map { Int64($0.raw) } ?? -1
        case .durationNs: event.durationNs.map { Int64($0) - (event.time - process.begin) } ?? absentDifference
        case .reaper: event.reaper.map(Int64.init) ?? -1
        case .reason: event.reapReason.map { Int64($0.rawValue) } ?? -1
        case .tid: Int64(event.tid)
        case .oldPpid: Int64(event.oldPpid)
        case .kernelThread: event.isKernelThread ? 1 : -1
        case .unavailable: event.unavailable.isEmpty ? -1 : Int64(event.unavailable.rawValue)
        }
    }

    /// The value that stands for none.
    var none: Int64 { self == .durationNs ? absentDifference : -1 }

    /// What a record of `kind` carries, in order, and whether the log writes each even when it has no
    /// value (then the page shows it, as null or false; else it leaves it out, as the log does).
    static func fields(of kind: EventKind) -> [(field: ReportRecordField, written: Bool)] {
        var fields: [(field: ReportRecordField, written: Bool)] = []
        for entry in RecordSchema.body(of: kind) {
            guard let field = of(entry.field), !fields.contains(where: { $0.field == field }) else { continue }
            fields.append((field, entry.isWrittenWhenUnknown))
        }
        return fields
    }
}
