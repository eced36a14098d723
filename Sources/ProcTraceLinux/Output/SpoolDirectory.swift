#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// A spool directory, open, that only the recording user can change: the
/// recorder sends what it finds there as records and truncates its files, so
/// a directory another user owns or may write is refused (the configuration
/// file is checked the same way). Every file in it is reached through the
/// descriptor, never through the path again.
public final class SpoolDirectory {
    public let path: String
    public let fd: Int32

    /// Opens `path` (created 0700 when missing) and checks it on the descriptor.
    public convenience init(path: String, effectiveUser: uid_t = geteuid()) throws {
        try self.init(at: AT_FDCWD, name: path, shown: path, effectiveUser: effectiveUser)
    }

    /// `name` inside this directory, created 0700 when missing and checked the same way.
    public func subdirectory(_ name: String) throws -> SpoolDirectory {
        try SpoolDirectory(at: fd, name: name, shown: path + "/" + name, effectiveUser: geteuid())
    }

    private init(at parent: Int32, name: String, shown: String, effectiveUser: uid_t) throws {
        path = shown
        let escaped = UntrustedText.escaped(shown)
        do {
            try retryingSystemCall("mkdir", shown) { mkdirat(parent, name, 0o700) }
        } catch let error as SystemCallError {
            if error.errno != EEXIST {
                throw SpoolRefusal("cannot create the spool directory \(escaped): \(error.message); "
                                   + "create it (mode 0700) or choose another --spool")
            }
        }
        // O_NOFOLLOW below the --spool directory: a link there is someone else's doing.
        let follow = parent == AT_FDCWD ? 0 : O_NOFOLLOW
        let opened: Int32
        do {
            opened = try retryingSystemCall("open", shown) { openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | follow) }
        } catch let error as SystemCallError {
            throw SpoolRefusal("cannot open the spool directory \(escaped): \(error.message); "
                               + "it must be a directory of uid \(effectiveUser), mode 0700")
        }
        fd = opened
        do {
            try Self.check(fd, shown: shown, effectiveUser: effectiveUser)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    private static func check(_ fd: Int32, shown: String, effectiveUser: uid_t) throws {
        var info = stat()
        do {
            try retryingSystemCall("fstat", shown) { fstat(fd, &info) }
        } catch let error as SystemCallError {
            throw SpoolRefusal("cannot check the spool directory \(UntrustedText.escaped(shown)): \(error.message)")
        }
        let name = UntrustedText.escaped(shown)
        let mode = String(info.st_mode & 0o7777, radix: 8)
        if info.st_uid != effectiveUser {
            throw SpoolRefusal("refusing the spool directory \(name): it is owned by uid \(info.st_uid), not by uid "
                               + "\(effectiveUser) recording, who would send and truncate what another user put there; "
                               + "remove it or chown -R \(effectiveUser) it")
        }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            throw SpoolRefusal("refusing the spool directory \(name): other users can write it (mode 0\(mode)); chmod 0700 it")
        }
    }
}

/// Why the spool was not used: one line naming the directory or file, the cause and the fix.
public struct SpoolRefusal: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
