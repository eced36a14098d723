#if canImport(Glibc)
import Glibc
#endif
import Crypto
import ProcTraceCore

/// SHA-256 of the files processes run (`exe_sha256`), through /proc/PID/exe,
/// with a bounded cache keyed by the file's identity and version, so a
/// program run a million times is read once. Not thread-safe: one per backend.
///
/// Under BPF the kernel sends the file's device, inode, size and times, so a
/// cache hit costs no system call; under netlink it costs the one fstatat the
/// record needs anyway for `exe_inode`/`exe_device`. A miss opens the file,
/// reads and hashes it on the calling thread (BENCHMARKS.md has the
/// figures), and is kept only if the file did not change while it was read.
public final class ExecutableHasher {
    /// A file's identity and version: a new inode (a replaced binary) or a
    /// rewrite in place (new size, mtime or ctime) is a new key.
    public struct Key: Hashable {
        public var device: UInt64
        public var inode: UInt64
        public var size: Int64
        public var modified: timespec
        public var changed: timespec

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            modified = status.st_mtim
            changed = status.st_ctim
        }

        /// The key stat would give for the file the kernel described.
        init(device: DeviceNumber, inode: UInt64, version: FileVersion) {
            self.device = device.userDev
            self.inode = inode
            size = version.size
            modified = timespec(tv_sec: Int(version.modifiedSeconds), tv_nsec: Int(version.modifiedNanoseconds))
            changed = timespec(tv_sec: Int(version.changedSeconds), tv_nsec: Int(version.changedNanoseconds))
        }

        public static func == (lhs: Key, rhs: Key) -> Bool {
            lhs.device == rhs.device && lhs.inode == rhs.inode && lhs.size == rhs.size
                && lhs.modified.tv_sec == rhs.modified.tv_sec && lhs.modified.tv_nsec == rhs.modified.tv_nsec
                && lhs.changed.tv_sec == rhs.changed.tv_sec && lhs.changed.tv_nsec == rhs.changed.tv_nsec
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(device)
            hasher.combine(inode)
            hasher.combine(size)
            hasher.combine(modified.tv_nsec)
            hasher.combine(changed.tv_nsec)
        }
    }

    public struct Counters: Equatable {
        public var hits: UInt64 = 0
        /// Hits found by the size and times the kernel sent (no system call).
        public var hitsByKernelVersion: UInt64 = 0
        public var misses: UInt64 = 0
        /// Files not hashed for their size (over `maxBytes`).
        public var tooLarge: UInt64 = 0
        /// Files that could not be opened or read, or changed while read.
        public var failed: UInt64 = 0
        public var bytesHashed: UInt64 = 0
        /// Time spent on misses (open, read, hash), nanoseconds.
        public var missNanoseconds: UInt64 = 0
    }

    public static let defaultMaxBytes = 64 << 20
    public static let defaultCapacity = 4096

    /// Files larger than this are not hashed; 0: nothing is.
    public let maxBytes: Int
    public let capacity: Int
    public private(set) var counters = Counters()
    private var cache: [Key: ProcTraceCore.SHA256Digest] = [:]
    /// Insertion order, for evicting the oldest entry once full.
    private var order: [Key] = []
    private var oldest = 0
    private let chunk: UnsafeMutableRawBufferPointer

    public init(maxBytes: Int = ExecutableHasher.defaultMaxBytes, capacity: Int = ExecutableHasher.defaultCapacity) {
        self.maxBytes = max(maxBytes, 0)
        self.capacity = max(capacity, 1)
        chunk = .allocate(byteCount: 1 << 20, alignment: 64)
        cache.reserveCapacity(min(self.capacity, 1024))
    }

    deinit {
        chunk.deallocate()
    }

    public var isEnabled: Bool { maxBytes > 0 }

    /// The digest of the file `status` describes, which `name` opens
    /// relative to `directory` (a /proc/PID directory and "exe"); nil when it
    /// is too large, cannot be read or changed while read.
    public func digest(of status: stat, openingAt directory: Int32, _ name: String) -> ProcTraceCore.SHA256Digest? {
        guard isEnabled else { return nil }
        let key = Key(status)
        if let digest = cache[key] {
            counters.hits += 1
            return digest
        }
        counters.misses += 1
        guard status.st_size <= maxBytes else {
            counters.tooLarge += 1
            return nil
        }
        let started = Clock.monotonicNanoseconds
        defer { counters.missNanoseconds += UInt64(max(Clock.monotonicNanoseconds - started, 0)) }
        let fd = openat(directory, name, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            counters.failed += 1
            return nil
        }
        defer { close(fd) }
        var before = stat()
        guard fstat(fd, &before) == 0, Key(before) == key, let digest = hash(fd), let after = ExecutableHasher.status(fd),
              Key(after) == key
        else {
            // Another file than the one stat named (a PID reused, a path replaced), or one that changed while read.
            counters.failed += 1
            return nil
        }
        insert(digest, for: key)
        return digest
    }

    /// The digest of the file a process runs, checked against the file's
    /// device and inode as the kernel reported them (BPF): through
    /// /proc/PID/exe while the process lives, else through `path` (the
    /// kernel's resolved exe path), for a process that was gone before its
    /// record was decoded. Nil when neither names that device and inode now.
    /// With the `version` the kernel read at the exec, a file hashed before is
    /// found without a system call.
    public func digest(pid: Int32, device: DeviceNumber, inode: UInt64, version: FileVersion? = nil,
                       path: [UInt8]? = nil, procRoot: String = "/proc") -> ProcTraceCore.SHA256Digest? {
        guard isEnabled else { return nil }
        if let version, let digest = cache[Key(device: device, inode: inode, version: version)] {
            counters.hits += 1
            counters.hitsByKernelVersion += 1
            return digest
        }
        let directory = open("\(procRoot)/\(pid)", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            defer { close(directory) }
            var status = stat()
            if fstatat(directory, "exe", &status, 0) == 0, Self.names(status, device: device, inode: inode) {
                return digest(of: status, openingAt: directory, "exe")
            }
        }
        // Gone (or exec'd again): the path, as this process sees it. A path in
        // another mount namespace may name another file here; the device and
        // inode check refuses that one.
        guard let path, path.first == UInt8(ascii: "/"), !path.contains(0) else { return nil }
        let name = String(decoding: path, as: UTF8.self)
        guard name.utf8.elementsEqual(path) else { return nil } // not UTF-8: no String names it exactly
        var status = stat()
        guard stat(name, &status) == 0, Self.names(status, device: device, inode: inode) else { return nil }
        return digest(of: status, openingAt: AT_FDCWD, name)
    }

    private static func names(_ status: stat, device: DeviceNumber, inode: UInt64) -> Bool {
        UInt64(status.st_ino) == inode && DeviceNumber(userDev: UInt64(status.st_dev)) == device
    }

    private static func status(_ fd: Int32) -> stat? {
        var status = stat()
        return fstat(fd, &status) == 0 ? status : nil
    }

    private func hash(_ fd: Int32) -> ProcTraceCore.SHA256Digest? {
        var sha = SHA256()
        var offset: off_t = 0
        while true {
            guard let n = try? retryingSystemCall("pread", nil, { pread(fd, chunk.baseAddress, chunk.count, offset) }) else {
                return nil
            }
            if n == 0 { break }
            sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            offset += off_t(n)
            if offset > maxBytes { return nil }
        }
        counters.bytesHashed += UInt64(offset)
        return sha.finalize().withUnsafeBytes { ProcTraceCore.SHA256Digest(bytes: $0) }
    }

    private func insert(_ digest: ProcTraceCore.SHA256Digest, for key: Key) {
        if order.count < capacity {
            order.append(key)
        } else {
            cache[order[oldest]] = nil
            order[oldest] = key
            oldest = (oldest + 1) % capacity
        }
        cache[key] = digest
    }

    public var cachedCount: Int { cache.count }
}
