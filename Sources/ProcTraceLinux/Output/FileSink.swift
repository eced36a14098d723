#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Writes lines to a file descriptor: stdout, or a log file opened safely.
public final class FileSink: LogSink {
    public private(set) var fd: Int32
    public let name: String
    /// The file, when this sink opened it (nil for standard output).
    public let path: ExactPath?
    private let mode: mode_t
    private let ownsDescriptor: Bool
    /// What opening changed about an existing file, one line each, for the caller to print.
    public private(set) var notices: [String] = []
    /// For a FIFO or socket (kept non-blocking): whether to go on waiting
    /// while its reader takes nothing. nil: give up at once.
    public var whileBlocked: (() -> Bool)?

    public init(fd: Int32, name: String, ownsDescriptor: Bool = false) {
        self.fd = fd
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        path = nil
        mode = 0
    }

    private init(fd: Int32, path: ExactPath, mode: mode_t, notices: [String]) {
        self.fd = fd
        name = path.text
        self.path = path
        self.mode = mode
        ownsDescriptor = true
        self.notices = notices
    }

    /// Standard output. A pipe or FIFO there is opened again through
    /// /proc/self/fd/1, which gives this process an open file description of
    /// its own, made non-blocking: a reader that stops reading then holds a
    /// write only while `whileBlocked` allows, and whoever shares the
    /// original description (the shell, the other end's parent) is not
    /// affected. A terminal or file is written as it is.
    public static func standardOutput() -> FileSink {
        var info = stat()
        guard fstat(STDOUT_FILENO, &info) == 0, info.st_mode & S_IFMT == S_IFIFO else {
            return FileSink(fd: STDOUT_FILENO, name: "standard output")
        }
        let fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return FileSink(fd: STDOUT_FILENO, name: "standard output") }
        return FileSink(fd: fd, name: "standard output", ownsDescriptor: true)
    }

    /// Opens `path` for appending: created with `mode` if missing, never
    /// through a symbolic link (O_NOFOLLOW), not inherited by children.
    /// An existing file must belong to the user recording and have one link;
    /// permissions wider than `mode` are narrowed to it, and a partial last
    /// line (a crash) is ended so the first new record starts a line of its
    /// own. A FIFO with no reader is waited for while `keepWaiting` (given
    /// what is being waited for) says so.
    public static func appending(to path: ExactPath, mode: mode_t = 0o640,
                                 keepWaiting: (String) -> Bool = { _ in false }) throws -> FileSink {
        let fd = try openForAppending(path, mode: mode, keepWaiting: keepWaiting)
        do {
            let notices = try checkExisting(fd, path: path, mode: mode)
            return FileSink(fd: fd, path: path, mode: mode, notices: notices)
        } catch {
            close(fd)
            throw error
        }
    }

    private static func openForAppending(_ path: ExactPath, mode: mode_t, keepWaiting: (String) -> Bool) throws -> Int32 {
        // O_NONBLOCK: opening a FIFO nobody reads fails (ENXIO) instead of
        // blocking where no signal or --duration could end the wait.
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        while true {
            let fd: Int32
            do {
                fd = try path.withCString { name in try retryingSystemCall("open") { open(name, flags, mode) } }
            } catch let error as SystemCallError {
                switch error.errno {
                case ENXIO where isFIFO(path):
                    guard keepWaiting("waiting for a reader on the FIFO \(path)") else { throw OutputError.noReader(path) }
                    _ = poll(nil, 0, 50)
                    continue
                case ELOOP:
                    throw OutputError.symbolicLink(path)
                default:
                    throw OutputError.open(path, errno: error.errno)
                }
            }
            // A FIFO or socket stays non-blocking, so a reader that stalls
            // cannot hold a write past a stop (whileBlocked); files need not.
            var info = stat()
            let kind = fstat(fd, &info) == 0 ? info.st_mode & S_IFMT : S_IFREG
            if kind != S_IFIFO && kind != S_IFSOCK {
                let status = fcntl(fd, F_GETFL)
                if status >= 0 { _ = fcntl(fd, F_SETFL, status & ~O_NONBLOCK) }
            }
            return fd
        }
    }

    private static func isFIFO(_ path: ExactPath) -> Bool {
        var info = stat()
        return path.withCString { lstat($0, &info) } == 0 && info.st_mode & S_IFMT == S_IFIFO
    }

    private static func checkExisting(_ fd: Int32, path: ExactPath, mode: mode_t) throws -> [String] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw OutputError.open(path, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { return [] }  // a FIFO, a terminal, /dev/null
        let user = geteuid()
        guard info.st_uid == user else { throw OutputError.foreignOwner(path, owner: info.st_uid, user: user) }
        guard info.st_nlink <= 1 else { throw OutputError.hardLinked(path, links: UInt64(info.st_nlink)) }
        var notices: [String] = []
        let permissions = info.st_mode & 0o777
        if permissions & ~mode != 0 {
            let narrowed = permissions & mode
            guard fchmod(fd, narrowed) == 0 else { throw OutputError.open(path, errno: errno) }
            notices.append("narrowed the permissions of \(path) from \(octal(permissions)) to \(octal(narrowed)) "
                           + "(--file-mode \(octal(mode))): other users could read the log")
        }
        if info.st_size > 0 && lastByte(of: path, matching: info, size: info.st_size) != 0x0a {
            try [UInt8(0x0a)].withUnsafeBytes { try FileIO.writeAll(fd, $0, name: path.text) }
            notices.append("\(path) ended in a partial line (an earlier crash?); it stays as one damaged line "
                           + "and recording starts on the next")
        }
        return notices
    }

    /// The file's last byte, read through a second descriptor (the log's is
    /// write-only) that must be the same file; nil when it cannot be read.
    private static func lastByte(of path: ExactPath, matching info: stat, size: off_t) -> UInt8? {
        let reader = path.withCString { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        guard reader >= 0 else { return nil }
        defer { close(reader) }
        var again = stat()
        guard fstat(reader, &again) == 0, again.st_dev == info.st_dev, again.st_ino == info.st_ino else { return nil }
        var byte: UInt8 = 0
        return pread(reader, &byte, 1, size - 1) == 1 ? byte : nil
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Opens the log's path again and writes there from now on (SIGHUP, after
    /// logrotate moved the file away or truncated it), with the checks of the
    /// first open; returns what opening changed (as `notices`). Throws, leaving the file in
    /// use as it was, when the path cannot be opened.
    public func reopen() throws -> [String] {
        guard ownsDescriptor, let path else { return [] }
        let fresh = try Self.openForAppending(path, mode: mode, keepWaiting: { _ in false })
        let notices: [String]
        do {
            notices = try Self.checkExisting(fresh, path: path, mode: mode)
        } catch {
            close(fresh)
            throw error
        }
        var (old, new) = (stat(), stat())
        if fstat(fd, &old) == 0, fstat(fresh, &new) == 0, old.st_dev == new.st_dev, old.st_ino == new.st_ino {
            close(fresh)  // the same file (copytruncate, or nothing rotated): O_APPEND writes at its end
            return notices
        }
        close(fd)
        fd = fresh
        return notices
    }

    /// When someone deleted the log file (its link count is 0: every record
    /// would go to a file nobody can open), creates it again at its path
    /// with what was already written and goes on there; returns a notice
    /// saying so. Throws when it cannot be recreated. One fstat: the caller
    /// checks at most once a second, never per record.
    public func reopenIfDeleted() throws -> String? {
        guard ownsDescriptor, let path else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_nlink == 0 else { return nil }
        let fresh = path.withCString { open($0, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, mode) }
        if fresh < 0 && errno == EEXIST {
            // Moved away and replaced (logrotate's `create` without a SIGHUP): go on in the new file.
            let notices = try reopen()
            return (notices + ["the log \(path) was rotated away and replaced while recording; records go to the new "
                               + "file (send SIGHUP after rotating, as the shipped logrotate stanza does)"]).joined(separator: "; ")
        }
        guard fresh >= 0 else { throw OutputError.deleted(path, errno: errno) }
        // The deleted file is still readable through /proc while we hold it open.
        let old = open("/proc/self/fd/\(fd)", O_RDONLY | O_CLOEXEC)
        guard old >= 0 else {
            let error = errno
            close(fresh)
            throw OutputError.deleted(path, errno: error)
        }
        defer { close(old) }
        var copied = 0
        do {
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let count = try chunk.withUnsafeMutableBytes { raw in
                    try retryingSystemCall("read", name) { read(old, raw.baseAddress, raw.count) }
                }
                if count == 0 { break }
                try chunk.withUnsafeBytes { try FileIO.writeAll(fresh, UnsafeRawBufferPointer(rebasing: $0.prefix(count)), name: name) }
                copied += count
            }
        } catch {
            close(fresh)
            throw OutputError.deleted(path, errno: (error as? PartialWriteError)?.errno ?? (error as? SystemCallError)?.errno ?? EIO)
        }
        close(fd)
        fd = fresh
        return "the log \(path) was deleted while recording; created it again with the \(copied) bytes already written"
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        do {
            try FileIO.writeAll(fd, bytes, name: name, whileBlocked: whileBlocked)
        } catch let failure as PartialWriteError {
            let stalled = failure.errno == EAGAIN ? path.map(OutputError.readerStalled) : nil
            throw LogWriteFailure(keptBytes: keepWholeLines(of: bytes, written: failure.written),
                                  errno: failure.errno, underlying: stalled ?? failure.underlying)
        }
    }

    /// After a failed write, cuts a partial last line off a log file so it
    /// ends on a record boundary; returns the bytes of the batch kept.
    private func keepWholeLines(of bytes: UnsafeRawBufferPointer, written: Int) -> Int {
        let kept = bytes.prefix(written).lastIndex(of: 0x0a).map { $0 + 1 } ?? 0
        guard ownsDescriptor, written > kept else { return written }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return written }
        let length = Int(info.st_size) - (written - kept)
        return ftruncate(fd, off_t(max(length, 0))) == 0 ? kept : written
    }

    public func flush() throws {
        guard ownsDescriptor else { return }
        _ = try? retryingSystemCall("fdatasync", name) { fdatasync(fd) }
    }
}

public enum OutputError: Error, CustomStringConvertible {
    case symbolicLink(ExactPath)
    case open(ExactPath, errno: Int32)
    case noReader(ExactPath)
    case foreignOwner(ExactPath, owner: uid_t, user: uid_t)
    case hardLinked(ExactPath, links: UInt64)
    case deleted(ExactPath, errno: Int32)
    case readerStalled(ExactPath)
    case uncompressed(ExactPath)

    public var description: String {
        switch self {
        case .symbolicLink(let path):
            "refusing to write the log through a symbolic link: \(path); point --output at the real file"
        case .open(let path, let error):
            "open(\(path)): \(String(cString: strerror(error)))"
        case .noReader(let path):
            "nothing reads the FIFO \(path); start its reader first"
        case .foreignOwner(let path, let owner, let user):
            "refusing to append to \(path): it belongs to uid \(owner), not to uid \(user) recording, so that "
                + "user could read every record; remove it, chown it to uid \(user), or choose another --output"
        case .hardLinked(let path, let links):
            "refusing to append to \(path): it has \(links) hard links, so the records would also land in another "
                + "file; remove it or choose another --output"
        case .readerStalled(let path):
            "the reader of \(path) stopped taking records: it stayed full from before the stop until 2 s after"
        case .uncompressed(let path):
            "\(path), rotated before, cannot be compressed, and the rotation would replace it"
        case .deleted(let path, let error):
            "the log \(path) was deleted while recording and cannot be created again (\(String(cString: strerror(error)))); "
                + "stopping: recreate its directory and start again"
        }
    }
}
