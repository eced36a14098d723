#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Reads who, where and which binary (ProcessContext) from a /proc/PID
/// directory: what the netlink backend's exec and fork records and every
/// /proc snapshot's exists records carry. Each file is read into one reused
/// buffer and parsed there, so a record costs its system calls and the
/// context's own strings, nothing more. Not thread-safe: one per backend.
public final class ProcessContextReader {
    /// What a kind of record carries (docs/events.md).
    public enum Extent {
        /// exec, exists: every field.
        case full
        /// fork: auid, audit_session, cgroup, container_id, nspid.
        case fork
    }

    /// Whether `stat` of /proc/PID/exe (exe_inode, exe_device) is done here.
    /// That stat asks the file's filesystem, which may never answer: the
    /// recorder's sources leave it to a ProcessReadPool worker.
    public let statsExecutable: Bool
    private let scratch: UnsafeMutableRawBufferPointer

    public init(statsExecutable: Bool = true) {
        self.statsExecutable = statsExecutable
        scratch = .allocate(byteCount: 64 * 1024, alignment: 8)
    }

    deinit {
        scratch.deallocate()
    }

    /// Sets `event.context` from `directory` and lists in `event.unavailable`
    /// what could not be read. `status` is the text of its status file
    /// when the caller read it already (for credentials), else it is read here.
    public func read(_ directory: ProcessDirectory, stat: ProcStat, status: [UInt8]?, extent: Extent,
                     into event: inout Event) {
        let fd = directory.fd
        var context = ProcessContext()
        var missing: UnavailableFields = []

        if let auid = number(at: fd, "loginuid") { context.auid = auid == UInt32.max ? nil : auid } else { missing.insert(.auid) }
        if let session = number(at: fd, "sessionid") {
            context.auditSession = session == UInt32.max ? nil : session
        } else { missing.insert(.auditSession) }
        if let cgroup = cgroupPath(at: fd) { context.setCgroup(cgroup) } else { missing.formUnion([.cgroup, .containerID]) }
        switch ProcessContextReader.namespacePid(fromStatus: status ?? directory.status()) {
        case .some(let nspid): context.nspid = nspid == directory.pid ? nil : nspid
        case nil: missing.insert(.nspid)
        }

        if extent == .full {
            context.tty = TerminalName.name(ttyNumber: stat.ttyNumber)
            if let cwd = link(at: fd, "cwd") { context.cwd = cwd } else { missing.insert(.cwd) }
            // A kernel thread runs no file: its exe fields are null, not unknown.
            if !stat.isKernelThread {
                readExecutable(at: fd, into: &context, missing: &missing)
            }
            context.pidns = namespace(at: fd, "ns/pid")
            context.mntns = namespace(at: fd, "ns/mnt")
            context.netns = namespace(at: fd, "ns/net")
            context.userns = namespace(at: fd, "ns/user")
            if context.pidns == nil { missing.insert(.pidns) }
            if context.mntns == nil { missing.insert(.mntns) }
            if context.netns == nil { missing.insert(.netns) }
            if context.userns == nil { missing.insert(.userns) }
        }
        event.unavailable.formUnion(missing)
        event.context = context
    }

    private func readExecutable(at fd: Int32, into context: inout ProcessContext, missing: inout UnavailableFields) {
        // The link's text as the kernel gives it (" (deleted)" and all: that the file is gone is worth keeping).
        if let exe = link(at: fd, "exe") { context.exe = exe } else { missing.insert(.exe) }
        guard statsExecutable else { return }
        var status = stat()
        guard fstatat(fd, "exe", &status, 0) == 0 else {
            missing.formUnion([.exeInode, .exeDevice, .exeSHA256])
            return
        }
        context.exeInode = UInt64(status.st_ino)
        context.exeDevice = DeviceNumber(userDev: UInt64(status.st_dev))
        missing.insert(.exeSHA256)
    }

    /// The bytes a symbolic link names (cwd, exe), or nil.
    private func link(at fd: Int32, _ name: String) -> [UInt8]? {
        let n = readlinkat(fd, name, scratch.baseAddress!.assumingMemoryBound(to: CChar.self), scratch.count)
        guard n >= 0, n < scratch.count else { return nil }
        return Array(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
    }

    /// N of a namespace link `type:[N]`.
    private func namespace(at fd: Int32, _ name: String) -> UInt32? {
        let n = readlinkat(fd, name, scratch.baseAddress!.assumingMemoryBound(to: CChar.self), scratch.count)
        guard n > 0, let open = UnsafeRawBufferPointer(rebasing: scratch[0..<n]).firstIndex(of: UInt8(ascii: "[")),
              scratch[n - 1] == UInt8(ascii: "]")
        else { return nil }
        return DecimalDigits.uint32(UnsafeRawBufferPointer(rebasing: scratch[(open + 1)..<(n - 1)]))
    }

    /// A file holding one decimal number (loginuid, sessionid).
    private func number(at fd: Int32, _ name: String) -> UInt32? {
        guard let length = readFile(at: fd, name) else { return nil }
        var end = length
        while end > 0 && (scratch[end - 1] == 0x0a || scratch[end - 1] == 0x20) { end -= 1 }
        return DecimalDigits.uint32(UnsafeRawBufferPointer(rebasing: scratch[0..<end]))
    }

    /// The cgroup v2 path: the `0::` line of /proc/PID/cgroup (on a v1 or
    /// hybrid host, the unified hierarchy's). A host with only v1
    /// hierarchies has none; then systemd's `name=systemd` hierarchy, which
    /// holds the same slices and scopes.
    private func cgroupPath(at fd: Int32) -> [UInt8]? {
        guard let length = readFile(at: fd, "cgroup") else { return nil }
        return ProcessContextReader.cgroupPath(in: UnsafeRawBufferPointer(rebasing: scratch[0..<length]))
    }

    static func cgroupPath(in text: UnsafeRawBufferPointer) -> [UInt8]? {
        var fallback: [UInt8]?
        var start = 0
        while start < text.count {
            var end = start
            while end < text.count && text[end] != 0x0a { end += 1 }
            let line = UnsafeRawBufferPointer(rebasing: text[start..<end])
            if line.starts(with: "0::".utf8) { return Array(line.dropFirst(3)) }
            if fallback == nil, let first = line.firstIndex(of: UInt8(ascii: ":")),
               line[(first + 1)...].starts(with: "name=systemd:".utf8) {
                fallback = Array(line[(first + 1 + "name=systemd:".utf8.count)...])
            }
            start = end + 1
        }
        return fallback
    }

    /// The last number of `NSpid:` (the pid in the innermost namespace); nil
    /// when there is no status or no such line (kernels before 4.1).
    static func namespacePid(fromStatus status: [UInt8]?) -> Int32? {
        guard let status else { return nil }
        let key = Array("NSpid:".utf8)
        var index = 0
        while index < status.count {
            var end = index
            while end < status.count && status[end] != 0x0a { end += 1 }
            if status[index..<end].starts(with: key) {
                let fields = status[(index + key.count)..<end].split { $0 == 0x09 || $0 == 0x20 }
                guard let last = fields.last else { return nil }
                return last.withUnsafeBytes { DecimalDigits.uint32($0) }.flatMap { Int32(exactly: $0) }
            }
            index = end + 1
        }
        return nil
    }

    /// Reads a whole small file into the scratch buffer; its length, or nil.
    private func readFile(at directory: Int32, _ name: String) -> Int? {
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var length = 0
        while length < scratch.count {
            let n = Glibc.read(fd, scratch.baseAddress! + length, scratch.count - length)
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            length += n
        }
        return length
    }
}
