import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// Issue 14's fields as the BPF programs send them (struct pt_audit and the
/// paths after a record's other data) into Event.context.
struct KernelAuditDecodingTests {
    typealias L = KernelRecordLayout
    typealias V = KernelRecordLayout.Audit.Valid
    let decoder: KernelRecordDecoder
    /// What the decoder asked the hasher for: (pid, device, inode), and the version.
    final class Asked {
        var files: [(Int32, DeviceNumber, UInt64)] = []
        var versions: [FileVersion?] = []
    }
    let asked = Asked()
    static let digest = SHA256Digest(bytes: Array(0..<32))

    init() {
        var decoder = KernelRecordDecoder(bootToEpochOffset: 0)
        let asked = asked
        decoder.executableDigest = { request in
            asked.files.append((request.pid, request.device, request.inode))
            asked.versions.append(request.version)
            return .digest(KernelAuditDecodingTests.digest)
        }
        self.decoder = decoder
    }

    func decode(_ bytes: [UInt8]) throws -> Event {
        try bytes.withUnsafeBytes { try decoder.decode($0) }
    }

    func exec(_ audit: KernelRecordBuilder.Audit, pid: UInt32 = 42) -> [UInt8] {
        KernelRecordBuilder.exec(pid: pid, ppid: 7, startTime: 900, time: 2_000, filename: "/usr/bin/env",
                                 arguments: ["env", "a b"], audit: audit)
    }

    func exists(_ audit: KernelRecordBuilder.Audit, flags: UInt16 = 0, pid: UInt32 = 42) -> [UInt8] {
        var record = KernelRecordBuilder(kind: .exists, size: L.Exists.byteCount, flags: flags, pid: pid, tid: pid)
        record.putTaskInfo()
        record.putAudit(audit, at: L.Exists.audit, pid: pid, exe: audit.exe ?? [])
        return record.bytes
    }

    @Test func anExecCarriesEveryFieldAfterItsArguments() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.exe = Array("/usr/bin/python3.11".utf8)
        audit.nspid = 7
        let event = try decode(exec(audit))
        let context = try #require(event.context)
        #expect(event.argv?.arguments == [Array("env".utf8), Array("a b".utf8)])
        #expect(context.auid == 1000 && context.auditSession == 3)
        #expect(context.tty == Array("pts/1".utf8))
        #expect(context.cwd == Array("/home/user/src".utf8))
        #expect(context.exe == Array("/usr/bin/python3.11".utf8))
        #expect(context.exeInode == 1_234_567)
        #expect(context.exeDevice == DeviceNumber(major: 8, minor: 1))
        #expect(context.cgroup == Array("/user.slice/user-1000.slice/session-3.scope".utf8))
        #expect(context.containerID == nil)
        #expect(context.pidns == 4_026_531_836 && context.mntns == 4_026_531_841)
        #expect(context.netns == 4_026_531_840 && context.userns == 4_026_531_837)
        #expect(context.nspid == 7)
        #expect(context.exeSHA256 == Self.digest)
        #expect(asked.files.count == 1 && asked.files.first?.0 == 42 && asked.files.first?.2 == 1_234_567)
        #expect(asked.files.first?.1 == DeviceNumber(major: 8, minor: 1))
        #expect(event.unavailable.isEmpty)
    }

    @Test func theNamespacePidIsThereOnlyWhenItDiffers() throws {
        let event = try decode(exec(KernelRecordBuilder.Audit()))
        #expect(event.context?.nspid == nil)
        #expect(!event.unavailable.contains(.nspid))
    }

    @Test func anUnsetLoginIsNullNotUnknown() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.auid = L.Audit.unset
        audit.sessionID = L.Audit.unset
        audit.tty = 0
        let event = try decode(exec(audit))
        #expect(event.context?.auid == nil && event.context?.auditSession == nil)
        #expect(event.context?.tty == nil)
        #expect(event.unavailable.isEmpty)
    }

    @Test func aKernelWithoutAuditHasNoLoginUIDToRead() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.valid &= ~V.loginUID
        let event = try decode(exec(audit))
        #expect(event.context?.auid == nil)
        #expect(event.unavailable.isSuperset(of: [.auid, .auditSession]))
    }

    @Test func aPathTheKernelCutIsUnknownNotAPrefix() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.valid |= V.cwdTruncated | V.exeTruncated | V.cgroupTruncated
        audit.cgroup = Array("/a/docker-\(String(repeating: "ab", count: 32)).scope".utf8)
        let event = try decode(exec(audit))
        #expect(event.context?.cwd == nil && event.context?.exe == nil && event.context?.cgroup == nil)
        #expect(event.context?.containerID == nil)
        #expect(event.context?.exeInode == 1_234_567)
        #expect(event.unavailable.isSuperset(of: [.cwd, .exe, .cgroup, .containerID]))
    }

    @Test func pathBytesArriveAsTheyAre() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.cwd = Array("/tmp/a dir/".utf8) + [0xff, 0xfe, 0x1b] + Array("\n".utf8)
        let event = try decode(exec(audit))
        #expect(event.context?.cwd == audit.cwd)
    }

    @Test func aContainersCgroupNamesItsID() throws {
        let id = String(repeating: "0123456789abcdef", count: 4)
        var audit = KernelRecordBuilder.Audit()
        audit.cgroup = Array("/system.slice/docker-\(id).scope".utf8)
        let event = try decode(exec(audit))
        #expect(event.context?.containerID == Array(id.utf8))
    }

    @Test func aCgroupIDSeenBeforeWithAnotherPathIsNotTakenFromTheCache() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.cgroup = Array("/first".utf8)
        _ = try decode(exec(audit))
        audit.cgroup = Array("/second".utf8)
        #expect(try decode(exec(audit)).context?.cgroup == Array("/second".utf8))
    }

    @Test func aForkCarriesOnlyTheForkFields() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.nspid = 3
        let bytes = KernelRecordBuilder.fork(pid: 42, ppid: 7, startTime: 900, time: 1_000, audit: audit)
        #expect(bytes.count == L.Fork.byteCount + audit.cgroup.count)
        let event = try decode(bytes)
        let context = try #require(event.context)
        #expect(context.auid == 1000 && context.auditSession == 3 && context.nspid == 3)
        #expect(context.cgroup == audit.cgroup)
        #expect(context.cwd == nil && context.exe == nil && context.tty == nil && context.pidns == nil)
        #expect(event.unavailable.isEmpty)
    }

    @Test func aZombieHasNoDirectoryBinaryOrNamespacesLeft() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.valid &= ~(V.cwd | V.exe | V.namespaces)
        audit.cwd = []
        let event = try decode(exists(audit, flags: L.Flag.zombie))
        #expect(event.state == UInt8(ascii: "Z"))
        #expect(event.context?.cwd == nil && event.context?.exe == nil && event.context?.mntns == nil)
        #expect(event.context?.cgroup == audit.cgroup && event.context?.userns == audit.userns)
        #expect(event.unavailable.isSuperset(of: [.cwd, .exe, .exeInode, .exeDevice, .exeSHA256, .mntns, .netns]))
        #expect(asked.files.isEmpty, "nothing to hash")
        #expect(!event.unavailable.contains(.cgroup))
    }

    @Test func aKernelThreadRunsNoFileAndThatIsNotUnknown() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.exe = []
        audit.exeInode = 0
        let event = try decode(exists(audit, flags: L.Flag.kernelThread))
        #expect(event.isKernelThread)
        #expect(event.context?.exe == nil && event.context?.exeInode == nil && event.context?.exeDevice == nil)
        #expect(!event.unavailable.contains(.exe) && !event.unavailable.contains(.exeInode))
        #expect(!event.unavailable.contains(.exeSHA256) && asked.files.isEmpty)
    }

    @Test func aFileTheHasherCannotReadIsUnavailable() throws {
        var decoder = KernelRecordDecoder(bootToEpochOffset: 0)
        decoder.executableDigest = { _ in .skipped(.unreadable) }
        let event = try exec(KernelRecordBuilder.Audit()).withUnsafeBytes { try decoder.decode($0) }
        #expect(event.context?.exeSHA256 == nil && event.unavailable == [.exeSHA256])
        #expect(event.context?.exeSHA256Skipped == .unreadable)
    }

    @Test func aHashStillRunningLeavesTheRecordWithItsTicket() throws {
        var decoder = KernelRecordDecoder(bootToEpochOffset: 0)
        decoder.executableDigest = { _ in .pending(ticket: 7) }
        var event = try exec(KernelRecordBuilder.Audit()).withUnsafeBytes { try decoder.decode($0) }
        #expect(event.enrichmentTicket == 7 && event.unavailable == [.exeSHA256])
        event.completeDigest(.success(KernelAuditDecodingTests.digest))
        #expect(event.enrichmentTicket == 0 && event.unavailable.isEmpty)
        #expect(event.context?.exeSHA256 == KernelAuditDecodingTests.digest)
    }

    @Test func theExeVersionGoesToTheHasherOnlyWhenTheKernelReadIt() throws {
        var audit = KernelRecordBuilder.Audit()
        audit.exeVersion = FileVersion(size: 1 << 40, modifiedSeconds: -5, modifiedNanoseconds: 999_999_999,
                                       changedSeconds: 1 << 33, changedNanoseconds: 0)
        _ = try decode(exec(audit))
        #expect(asked.versions.count == 1 && asked.versions[0] == nil, "not marked valid: not sent")
        audit.valid |= V.exeVersion
        _ = try decode(exec(audit))
        _ = try decode(exists(audit))
        #expect(asked.versions.count == 3)
        #expect(asked.versions[1] == audit.exeVersion && asked.versions[2] == audit.exeVersion)
    }

    @Test func pathLengthsPastTheRecordAreRejected() throws {
        var builder = KernelRecordBuilder(bytes: exec(KernelRecordBuilder.Audit()))
        builder.put(UInt16(4000), at: L.Exec.audit + L.Audit.cwdLength)
        #expect(throws: RecordDecodingError.self) { try decode(builder.bytes) }
    }
}
