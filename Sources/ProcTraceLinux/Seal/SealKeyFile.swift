#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// The sealing key state on disk (docs/sealing.md, "Key handling"), trusted
/// only as far as the user sealing alone can change it: its directory owned
/// by root or that user and writable by no one else, the file a regular file
/// (never a link followed) owned by that user, readable by no one else, with
/// one name only (a second hard link would keep every old key). Each change
/// is written whole to a new file beside it, synced, the old file's bytes
/// overwritten with zeros, and the new one renamed over it (then the
/// directory synced): a crash leaves the old state or the new one.
public final class SealKeyFile: Sendable {
    public static let defaultPath = "/var/lib/proctrace/seal.key"
    /// A key state is a few lines.
    static let maximumBytes = 4096

    public let path: String
    private let directory: Int32
    private let name: String
    private var temporaryName: String { "." + name + ".new" }
    private let effectiveUser: uid_t

    /// Opens the directory of `path` and checks it (not the file: `load` does).
    public init(path: String, effectiveUser: uid_t = geteuid()) throws {
        self.path = path
        self.effectiveUser = effectiveUser
        let slash = path.lastIndex(of: "/")
        let directoryPath = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty, name != ".", name != ".." else {
            throw SealKeyError("\(path): not a file name")
        }
        do {
            directory = try retryingSystemCall("open", directoryPath) {
                open(directoryPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
        } catch let error as SystemCallError {
            throw SealKeyError("cannot open the directory of the seal key \(UntrustedText.escaped(path)): \(error.message)",
                               errno: error.errno)
        }
        var info = stat()
        guard fstat(directory, &info) == 0 else {
            close(directory)
            throw SealKeyError("cannot stat the directory of \(UntrustedText.escaped(path))")
        }
        if info.st_uid != 0 && info.st_uid != effectiveUser {
            close(directory)
            throw SealKeyError("refusing the seal key \(UntrustedText.escaped(path)): its directory is owned by uid "
                + "\(info.st_uid), not by root or uid \(effectiveUser), who could replace the key")
        }
        if info.st_mode & (S_IWGRP | S_IWOTH) != 0 {
            close(directory)
            throw SealKeyError("refusing the seal key \(UntrustedText.escaped(path)): its directory is writable by "
                + "other users (mode 0\(String(info.st_mode & 0o7777, radix: 8))); chmod go-w it")
        }
    }

    deinit { close(directory) }

    public var exists: Bool {
        var info = stat()
        return fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// Reads and checks the state. A file of zeros beside a whole new state is
    /// a store cut short after erasing the old one: the new one is put in place.
    public func load() throws -> SealKeyState {
        let bytes = try readChecked(name)
        if !bytes.isEmpty, bytes.allSatisfy({ $0 == 0 }), let pending = try? readChecked(temporaryName),
           let state = SealKeyState(text: String(decoding: pending, as: UTF8.self)) {
            try renameIntoPlace()
            return state
        }
        guard let state = SealKeyState(text: String(decoding: bytes, as: UTF8.self)) else {
            throw SealKeyError("\(UntrustedText.escaped(path)) is not a proctrace seal key state "
                + "(proctrace seal init makes one)")
        }
        return state
    }

    private func readChecked(_ file: String) throws -> [UInt8] {
        let fd: Int32
        do {
            fd = try retryingSystemCall("open", path) {
                openat(directory, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            }
        } catch let error as SystemCallError {
            let hint = error.errno == ELOOP ? " (a symbolic link: refused)" : ""
            throw SealKeyError("cannot open the seal key \(UntrustedText.escaped(path)): \(error.message)\(hint)",
                               errno: error.errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SealKeyError("cannot stat \(UntrustedText.escaped(path))") }
        try check(info)
        do {
            return try FileIO.readAll(fd: fd, name: path, limit: SealKeyFile.maximumBytes)
        } catch {
            throw SealKeyError("cannot read the seal key \(UntrustedText.escaped(path)): \(error)")
        }
    }

    private func check(_ info: stat) throws {
        let refuse = { (reason: String) in SealKeyError("refusing the seal key \(UntrustedText.escaped(self.path)): \(reason)") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw refuse("it is not a regular file") }
        guard info.st_uid == effectiveUser else {
            throw refuse("it is owned by uid \(info.st_uid), not by uid \(effectiveUser), who seals with it")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw refuse("other users can read or write it (mode 0\(String(info.st_mode & 0o7777, radix: 8))); chmod 0600 it")
        }
        guard info.st_nlink == 1 else {
            throw refuse("it has \(info.st_nlink) names (hard links), which would keep every earlier key; remove the others")
        }
        guard info.st_size <= SealKeyFile.maximumBytes else { throw refuse("it is larger than a key state") }
    }

    /// Replaces the state on disk: see the type's comment. `owner` (root only)
    /// gives the new file to another user (seal init, for the service's user).
    public func store(_ state: SealKeyState, owner: uid_t? = nil) throws {
        let text = Array(state.text.utf8)
        _ = unlinkat(directory, temporaryName, 0)
        let fd: Int32
        do {
            fd = try retryingSystemCall("open", path) {
                openat(directory, temporaryName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            }
        } catch let error as SystemCallError {
            throw SealKeyError("cannot write the seal key beside \(UntrustedText.escaped(path)): \(error.message)", errno: error.errno)
        }
        do {
            defer { close(fd) }
            if let owner, owner != geteuid() {
                try retryingSystemCall("fchown", path) { fchown(fd, owner, gid_t(bitPattern: -1)) }
            }
            try text.withUnsafeBytes { try FileIO.writeAll(fd, $0, name: path) }
            try retryingSystemCall("fsync", path) { fsync(fd) }
        } catch {
            _ = unlinkat(directory, temporaryName, 0)
            throw SealKeyError("cannot write the seal key beside \(UntrustedText.escaped(path)): \(error)")
        }
        eraseOld()
        try renameIntoPlace()
    }

    /// Overwrites the current file's bytes in place (the old key), before the rename frees them.
    private func eraseOld() {
        let fd = openat(directory, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (try? check(info)) != nil else { return }
        let zeros = [UInt8](repeating: 0, count: Int(info.st_size))
        _ = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        _ = fdatasync(fd)
    }

    private func renameIntoPlace() throws {
        do {
            try retryingSystemCall("rename", path) { renameat(directory, temporaryName, directory, name) }
            try retryingSystemCall("fsync", path) { fsync(directory) }
        } catch let error as SystemCallError {
            throw SealKeyError("cannot replace the seal key \(UntrustedText.escaped(path)): \(error.message)", errno: error.errno)
        }
    }
}

/// Why the seal key state cannot be used: one line naming the file, the cause and the fix.
public struct SealKeyError: Error, CustomStringConvertible {
    public let description: String
    public let errno: Int32?
    init(_ description: String, errno: Int32? = nil) {
        self.description = description
        self.errno = errno
    }

    public init(message: String) {
        self.init(message)
    }
}
