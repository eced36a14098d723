/// Why a kernel record could not be decoded.
public enum RecordDecodingError: Error, Equatable, CustomStringConvertible {
    case truncated(kind: UInt16, needed: Int, got: Int)
    case sizeMismatch(declared: Int, got: Int)
    case unknownKind(UInt16)

    public var description: String {
        switch self {
        case .truncated(let kind, let needed, let got):
            "record of kind \(kind) is \(got) bytes, needs \(needed)"
        case .sizeMismatch(let declared, let got):
            "record declares \(declared) bytes but \(got) arrived"
        case .unknownKind(let kind):
            "unknown record kind \(kind)"
        }
    }
}

/// Turns the bytes of one ring-buffer record (bpf/proctrace.h) into an Event.
/// Every read is bounds-checked: short or inconsistent input throws, never traps.
public struct KernelRecordDecoder {
    /// Added to CLOCK_BOOTTIME nanoseconds to get nanoseconds since the epoch.
    public var bootToEpochOffset: Int64

    /// Cgroup paths and terminal names seen before, shared by copies.
    private let names = KernelNameCache()
    /// exe_sha256 of an exec's or existing process's file, by its pid and the
    /// (device, inode) the kernel read, with the file's size and times when
    /// the kernel read them too. It must not wait: a cache hit, or a ticket
    /// for hashing elsewhere (Recorder holds the record), or why not.
    /// Without it the field is unavailable.
    public var executableDigest: ((ExecutableHashRequest) -> ExecutableDigestLookup)?

    public init(bootToEpochOffset: Int64) {
        self.bootToEpochOffset = bootToEpochOffset
    }

    public func decode(_ record: UnsafeRawBufferPointer) throws -> Event {
        typealias L = KernelRecordLayout
        guard record.count >= L.Header.byteCount else {
            throw RecordDecodingError.truncated(kind: 0, needed: L.Header.byteCount, got: record.count)
        }
        let rawKind = record.loadUnaligned(fromByteOffset: L.Header.kind, as: UInt16.self)
        let flags = record.loadUnaligned(fromByteOffset: L.Header.flags, as: UInt16.self)
        let declared = Int(record.loadUnaligned(fromByteOffset: L.Header.size, as: UInt32.self))
        guard declared <= record.count, declared >= L.Header.byteCount else {
            throw RecordDecodingError.sizeMismatch(declared: declared, got: record.count)
        }
        let body = UnsafeRawBufferPointer(rebasing: record[0..<declared])
        guard let kind = L.Kind(rawValue: rawKind) else { throw RecordDecodingError.unknownKind(rawKind) }

        func require(_ size: Int) throws {
            guard body.count >= size else {
                throw RecordDecodingError.truncated(kind: rawKind, needed: size, got: body.count)
            }
        }
        func u32(_ offset: Int) -> UInt32 { body.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        func i32(_ offset: Int) -> Int32 { body.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
        func u64(_ offset: Int) -> UInt64 { body.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        func comm(_ offset: Int) -> Comm {
            Comm(bytes: UnsafeRawBufferPointer(rebasing: body[offset..<(offset + L.commLength)]))
        }

        var event = Event(kind: .fork)
        let bootTime = u64(L.Header.time)
        event.time = Int64(bitPattern: bootTime) &+ bootToEpochOffset
        event.startTime = u64(L.Header.startTime)
        event.pid = i32(L.Header.pid)
        event.tid = i32(L.Header.tid)
        event.ppid = i32(L.Header.ppid)
        event.isKernelThread = flags & L.Flag.kernelThread != 0

        // Takes the event inout rather than capturing it: a captured `var`
        // is boxed on the heap and every access to it checked at run time.
        func readTaskInfo(into event: inout Event) {
            let base = L.Header.byteCount
            event.credentials = Credentials(
                uid: u32(base + L.TaskInfo.uid), euid: u32(base + L.TaskInfo.euid),
                suid: u32(base + L.TaskInfo.suid), gid: u32(base + L.TaskInfo.gid),
                egid: u32(base + L.TaskInfo.egid), sgid: u32(base + L.TaskInfo.sgid))
            event.session = SessionIDs(sid: i32(base + L.TaskInfo.sid), pgid: i32(base + L.TaskInfo.pgid))
            event.comm = comm(base + L.TaskInfo.comm)
        }

        /// struct pt_audit at `base` and the paths from `pathsStart` on (cwd,
        /// exe, cgroup); a fork's context has only what fork records carry.
        func readAudit(at base: Int, pathsStart: Int, fork: Bool, into event: inout Event) throws {
            typealias A = L.Audit
            typealias V = A.Valid
            let valid = u32(base + A.valid)
            let cwdLength = Int(body.loadUnaligned(fromByteOffset: base + A.cwdLength, as: UInt16.self))
            let exeLength = Int(body.loadUnaligned(fromByteOffset: base + A.exeLength, as: UInt16.self))
            let cgroupLength = Int(body.loadUnaligned(fromByteOffset: base + A.cgroupLength, as: UInt16.self))
            let end = pathsStart + cwdLength + exeLength + cgroupLength
            guard end <= body.count else {
                throw RecordDecodingError.truncated(kind: rawKind, needed: end, got: body.count)
            }
            func bytes(_ start: Int, _ count: Int) -> [UInt8] { Array(body[start..<(start + count)]) }
            var context = ProcessContext()
            var unavailable: UnavailableFields = []

            if valid & V.loginUID != 0 {
                let auid = u32(base + A.auid)
                let session = u32(base + A.sessionID)
                context.auid = auid == A.unset ? nil : auid
                context.auditSession = session == A.unset ? nil : session
            } else {
                unavailable.formUnion([.auid, .auditSession])
            }
            if valid & V.nspid != 0 {
                let nspid = i32(base + A.nspid)
                if nspid != event.pid { context.nspid = nspid }
                if !fork { context.pidns = u32(base + A.pidns) }
            } else {
                unavailable.insert(fork ? .nspid : [.nspid, .pidns])
            }
            let cgroupStart = pathsStart + cwdLength + exeLength
            if valid & V.cgroup == 0 || valid & V.cgroupTruncated != 0 {
                unavailable.formUnion([.cgroup, .containerID])
            } else {
                let cgroup = names.cgroup(id: u64(base + A.cgroupID),
                                          path: UnsafeRawBufferPointer(rebasing: body[cgroupStart..<(cgroupStart + cgroupLength)]))
                context.cgroup = cgroup.path
                context.containerID = cgroup.containerID
            }
            if !fork {
                context.userns = u32(base + A.userns)
                if valid & V.namespaces != 0 {
                    context.mntns = u32(base + A.mntns)
                    context.netns = u32(base + A.netns)
                } else {
                    unavailable.formUnion([.mntns, .netns])
                }
                if valid & V.tty != 0 {
                    context.tty = names.terminal(kernelDevice: u32(base + A.tty))
                } else {
                    unavailable.insert(.tty)
                }
                if valid & V.cwd == 0 || valid & V.cwdTruncated != 0 || cwdLength == 0 {
                    unavailable.insert(.cwd)
                } else {
                    context.cwd = bytes(pathsStart, cwdLength)
                }
                if valid & V.exe == 0 {
                    unavailable.formUnion([.exe, .exeInode, .exeDevice, .exeSHA256])
                } else if exeLength > 0 || !event.isKernelThread {
                    // A kernel thread runs no file: nothing to name, nothing unknown.
                    let inode = u64(base + A.exeInode)
                    let device = DeviceNumber(kernelDev: u32(base + A.exeDevice))
                    context.exeInode = inode
                    context.exeDevice = device
                    if valid & V.exeTruncated != 0 || exeLength == 0 {
                        unavailable.insert(.exe)
                    } else {
                        context.exe = bytes(pathsStart + cwdLength, exeLength)
                    }
                    let version = valid & V.exeVersion == 0 ? nil : FileVersion(
                        size: Int64(bitPattern: u64(base + A.exeSize)),
                        modifiedSeconds: Int64(bitPattern: u64(base + A.exeModifiedSeconds)),
                        modifiedNanoseconds: Int64(u32(base + A.exeModifiedNanoseconds)),
                        changedSeconds: Int64(bitPattern: u64(base + A.exeChangedSeconds)),
                        changedNanoseconds: Int64(u32(base + A.exeChangedNanoseconds)))
                    if let executableDigest {
                        let request = ExecutableHashRequest(pid: event.pid, uid: event.credentials?.uid ?? UInt32.max,
                                                            device: device, inode: inode, version: version,
                                                            path: context.exe)
                        event.applyDigestLookup(executableDigest(request), to: &context)
                    } else {
                        unavailable.insert(.exeSHA256)
                    }
                }
            }
            event.context = context
            event.unavailable.formUnion(unavailable)
        }

        switch kind {
        case .fork:
            try require(L.Fork.byteCount)
            event.kind = .fork
            readTaskInfo(into: &event)
            event.parentStartTime = u64(L.Fork.parentStartTime)
            try readAudit(at: L.Fork.audit, pathsStart: L.Fork.byteCount, fork: true, into: &event)
        case .exec:
            try require(L.Exec.byteCount)
            event.kind = .exec
            readTaskInfo(into: &event)
            let oldPid = i32(L.Exec.oldPid)
            if oldPid != event.pid { event.oldPid = oldPid }
            let filenameLength = Int(u32(L.Exec.filenameLength))
            let argsLength = Int(u32(L.Exec.argsLength))
            let (end, overflow) = L.Exec.byteCount.addingReportingOverflow(filenameLength &+ argsLength)
            guard !overflow, filenameLength >= 0, argsLength >= 0, end <= body.count else {
                throw RecordDecodingError.truncated(kind: rawKind, needed: end, got: body.count)
            }
            let filenameStart = L.Exec.byteCount
            event.filename = Array(body[filenameStart..<(filenameStart + filenameLength)])
            event.filenameTruncated = flags & L.Flag.filenameTruncated != 0
            let argsStart = filenameStart + filenameLength
            if argsLength == 0 && u32(L.Exec.argsTotal) > 0 {
                // The kernel had arguments but could not read them: unknown, not empty.
                event.unavailable.insert(.argv)
            } else {
                event.argv = ArgumentVector(bytes: Array(body[argsStart..<(argsStart + argsLength)]))
                event.argvTruncated = flags & L.Flag.argsTruncated != 0
            }
            try readAudit(at: L.Exec.audit, pathsStart: argsStart + argsLength, fork: false, into: &event)
        case .exit:
            try require(L.Exit.byteCount)
            event.kind = .exit
            event.exitStatus = WaitStatus(raw: u32(L.Exit.exitStatus))
            event.comm = comm(L.Exit.comm)
            if event.startTime > 0 && bootTime >= event.startTime {
                event.durationNs = bootTime - event.startTime
            }
        case .reap:
            try require(L.Reap.byteCount)
            event.kind = .reap
            let reaper = i32(L.Reap.reaper)
            event.reaper = reaper == 0 ? nil : reaper
            event.reapReason = ReapReason(rawValue: UInt8(truncatingIfNeeded: u32(L.Reap.reason))) ?? .freed
            event.ppid = 0
        case .threadStart, .threadExit:
            event.kind = kind == .threadStart ? .threadStart : .threadExit
        case .exists:
            try require(L.Exists.byteCount)
            event.kind = .exists
            readTaskInfo(into: &event)
            if flags & L.Flag.zombie != 0 {
                event.exitStatus = WaitStatus(raw: u32(L.Exists.exitStatus))
                event.state = UInt8(ascii: "Z")
            }
            try readAudit(at: L.Exists.audit, pathsStart: L.Exists.byteCount, fork: false, into: &event)
        case .comm:
            try require(L.CommRecord.byteCount)
            event.kind = .comm
            event.comm = comm(L.CommRecord.comm)
        case .execFailed:
            try require(L.ExecFailed.byteCount)
            event.kind = .execFailed
            event.comm = comm(L.ExecFailed.comm)
            event.errorNumber = i32(L.ExecFailed.error)
            let filenameLength = Int(u32(L.ExecFailed.filenameLength))
            let argsLength = Int(u32(L.ExecFailed.argsLength))
            let (end, overflow) = L.ExecFailed.byteCount.addingReportingOverflow(filenameLength &+ argsLength)
            guard !overflow, end <= body.count else {
                throw RecordDecodingError.truncated(kind: rawKind, needed: end, got: body.count)
            }
            let filenameStart = L.ExecFailed.byteCount
            event.filename = Array(body[filenameStart..<(filenameStart + filenameLength)])
            event.filenameTruncated = flags & L.Flag.filenameTruncated != 0
            let argsStart = filenameStart + filenameLength
            event.argv = ArgumentVector(bytes: Array(body[argsStart..<(argsStart + argsLength)]))
            event.argvTruncated = flags & L.Flag.argsTruncated != 0
        case .cred, .session:
            try require(L.taskInfoRecordByteCount)
            event.kind = kind == .cred ? .cred : .session
            readTaskInfo(into: &event)
            if kind == .cred { event.session = nil } else { event.credentials = nil }
        }
        return event
    }
}
