#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Hashes one exec'd file, only if the bytes read are provably the version
/// the process ran: the file is opened without following a link and without
/// blocking, must be a regular file, and must have the (device, inode, size,
/// mtime, ctime) asked for, checked with `fstat` on the descriptor read
/// before and after the read. One per worker thread (it owns its buffer).
final class VerifiedFileHasher {
    let maxBytes: Int
    let procRoot: String
    private let chunk: UnsafeMutableRawBufferPointer

    init(maxBytes: Int, procRoot: String) {
        self.maxBytes = maxBytes
        self.procRoot = procRoot
        // 256 KiB a read: resident in every worker from its first hash on
        // (1 MiB each was half the idle recorder's private memory, issue 27);
        // a 16 MiB binary is 64 reads instead of 16, beside its hashing.
        chunk = .allocate(byteCount: 256 << 10, alignment: 64)
    }

    deinit {
        chunk.deallocate()
    }

    /// The file the request names, opened: through /proc/PID/exe while the
    /// process runs it, else its path; nil with why when neither is that file.
    func open(_ request: ExecutableHashRequest) -> Result<(fd: Int32, identity: ExecutableIdentity), HashSkipError> {
        var status = stat()
        // The magic link names the very file the process runs (no NOFOLLOW: it is a link by design).
        let exe = Glibc.open("\(procRoot)/\(request.pid)/exe", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if exe >= 0 {
            if fstat(exe, &status) == 0, ExecutableIdentity(status).isSameFile(device: request.device, inode: request.inode) {
                return checked(exe, status, request)
            }
            Glibc.close(exe)
        }
        // Gone (or exec'd again). Its path is only good with the version the kernel
        // reported: without one, nothing proves the file there is the one that ran.
        guard request.version != nil, let path = request.path, path.first == UInt8(ascii: "/"), !path.contains(0) else {
            return .failure(HashSkipError(.unreadable))
        }
        let fd = path.withUnsafeBufferPointer { bytes -> Int32 in
            var name = Array(bytes)
            name.append(0)
            return name.withUnsafeBufferPointer {
                Glibc.open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self),
                           O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)
            }
        }
        guard fd >= 0 else { return .failure(HashSkipError(.unreadable)) }
        guard fstat(fd, &status) == 0, ExecutableIdentity(status).isSameFile(device: request.device, inode: request.inode) else {
            Glibc.close(fd)
            return .failure(HashSkipError(.fileChanged))
        }
        return checked(fd, status, request)
    }

    /// A regular file of the version asked for (when the kernel gave one), or nothing.
    private func checked(_ fd: Int32, _ status: stat, _ request: ExecutableHashRequest)
        -> Result<(fd: Int32, identity: ExecutableIdentity), HashSkipError> {
        let identity = ExecutableIdentity(status)
        guard status.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            return .failure(HashSkipError(.unreadable))
        }
        if let version = request.version, identity.version != version {
            Glibc.close(fd)
            return .failure(HashSkipError(.fileChanged))
        }
        return .success((fd, identity))
    }

    /// SHA-256 of the open file, if it still has `identity` after the read.
    /// `progress` is called after each chunk (a watchdog tells a slow read
    /// from one that never returns).
    func digest(of fd: Int32, identity: ExecutableIdentity, progress: (UInt64) -> Void) -> Result<SHA256Digest, HashSkipError> {
        guard identity.version.size <= maxBytes else { return .failure(HashSkipError(.tooLarge)) }
        var sha = SHA256Hasher()
        var offset: off_t = 0
        while true {
            guard let n = try? retryingSystemCall("pread", nil, { pread(fd, chunk.baseAddress, chunk.count, offset) }) else {
                return .failure(HashSkipError(.unreadable))
            }
            if n == 0 { break }
            sha.update(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            offset += off_t(n)
            progress(UInt64(n))
            if offset > maxBytes { return .failure(HashSkipError(.fileChanged)) }
        }
        var after = stat()
        guard fstat(fd, &after) == 0, ExecutableIdentity(after) == identity, Int64(offset) == identity.version.size else {
            return .failure(HashSkipError(.fileChanged))
        }
        return .success(sha.finalize())
    }
}
