/// Where each field of the native record goes in ECS and in OCSF: the one
/// table of the mapping, keyed by LogField (so RecordSchema's fields are all
/// there is to map). A field with no target here, or whose conversion loses
/// something, is also written whole in the format's extension place
/// (`proctrace.<key>` in ECS, `unmapped.<key>` in OCSF): nothing the native
/// record holds is lost. Values that no single field gives (event.type,
/// process.parent.*, class_uid, …) are SchemaEncoder's. docs/formats.md
/// shows this table; a test checks every path against the published schemas.
struct SchemaTarget {
    enum Conversion {
        /// The native JSON value as it is.
        case same
        /// A number written as a string (ECS keyword ids, OCSF string_t uids).
        case string
        /// An RFC 3339 time as milliseconds since the epoch (OCSF timestamp_t): loses the nanoseconds.
        case millis
        /// 64 hex digits as an OCSF fingerprint list (SHA-256).
        case sha256Fingerprint
    }

    let path: String
    let conversion: Conversion

    var isLossy: Bool { if case .millis = conversion { true } else { false } }
}

extension LogField {
    /// The field's places in `format` (none: the extension place only).
    func targets(in format: OutputFormat) -> [SchemaTarget] {
        let (ecs, ocsf) = mapping
        switch format {
        case .proctrace: return []
        case .ecs: return ecs
        case .ocsf: return ocsf
        }
    }

    private var mapping: (ecs: [SchemaTarget], ocsf: [SchemaTarget]) {
        func to(_ path: String, _ conversion: SchemaTarget.Conversion = .same) -> [SchemaTarget] {
            [SchemaTarget(path: path, conversion: conversion)]
        }
        switch self {
        case .seq: return (to("event.sequence"), to("metadata.sequence"))
        case .time: return (to("@timestamp"), to("time", .millis) + to("time_dt"))
        case .event: return (to("event.action"), to("metadata.event_code"))
        case .pid: return (to("process.pid"), to("process.pid"))
        case .tid: return (to("process.thread.id"), to("process.tid"))
        case .ppid: return (to("process.parent.pid"), to("process.parent_process.pid"))
        case .comm: return (to("process.name"), to("process.name"))
        case .argv: return (to("process.args"), [])
        case .exitCode: return (to("process.exit_code"), to("exit_code"))
        case .uid: return (to("process.real_user.id", .string) + to("user.id", .string), to("process.user.uid", .string))
        case .euid: return (to("process.user.id", .string) + to("user.effective.id", .string), to("process.euid"))
        case .suid: return (to("process.saved_user.id", .string), [])
        case .gid: return (to("process.real_group.id", .string) + to("group.id", .string), to("process.group.uid", .string))
        case .egid: return (to("process.group.id", .string), to("process.egid"))
        case .sgid: return (to("process.saved_group.id", .string), [])
        case .sid: return (to("process.session_leader.pid"), [])
        case .pgid: return (to("process.group_leader.pid"), [])
        case .host: return (to("host.name") + to("host.hostname"), to("device.hostname"))
        case .bootID: return (to("host.boot.id"), to("device.boot_uid"))
        case .kernel: return (to("host.os.kernel"), to("device.os.kernel_release"))
        case .auid: return ([], to("process.auid"))
        case .auditSession: return ([], to("process.session.uid", .string))
        case .tty: return ([], to("process.session.terminal"))
        case .cwd: return (to("process.working_directory"), to("process.working_directory"))
        case .exe: return (to("process.executable"), to("process.file.path"))
        case .exeSHA256: return (to("process.hash.sha256"), to("process.file.hashes", .sha256Fingerprint))
        case .containerID: return (to("container.id"), to("process.container.uid"))
        case .nspid: return (to("process.vpid"), to("process.namespace_pid"))
        case .error: return (to("error.code"), to("status_code"))
        case .message: return (to("message"), to("message"))
        default: return ([], [])
        }
    }
}
