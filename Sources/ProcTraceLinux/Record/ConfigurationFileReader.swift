#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Reads `record`'s configuration file as a root daemon must (sshd and sudo
/// do the same): only a regular file, owned by root or the user running
/// proctrace, that no other user can write, and whole or not at all
/// (or /dev/null, for none).
public enum ConfigurationFileReader {
    public static func read(_ path: String) throws -> [UInt8] {
        try read(ExactPath(path))
    }

    public static func read(_ path: ExactPath, effectiveUser: uid_t = geteuid(),
                            effectiveGroup: gid_t = getegid()) throws -> [UInt8] {
        let name = path.description
        // O_NONBLOCK: a FIFO must not hang the open; it is refused below.
        let fd: Int32
        do {
            fd = try path.withCString { file in
                try retryingSystemCall("open") { open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) }
            }
        } catch let error as SystemCallError {
            throw ConfigurationFileRefusal("cannot read the configuration file \(name): \(error.message)")
        }
        defer { close(fd) }
        var info = stat()
        do {
            try retryingSystemCall("fstat") { fstat(fd, &info) }
        } catch let error as SystemCallError {
            throw ConfigurationFileRefusal("cannot read the configuration file \(name): fstat: \(error.message)")
        }
        func refuse(_ reason: String) -> ConfigurationFileRefusal {
            ConfigurationFileRefusal("refusing the configuration file \(name): \(reason)")
        }
        // /dev/null (device 1:3) is the usual way to say "no configuration" (`--config /dev/null`).
        if info.st_mode & S_IFMT == S_IFCHR && info.st_rdev == (1 << 8 | 3) { return [] }
        guard info.st_mode & S_IFMT == S_IFREG else { throw refuse("it is not a regular file") }
        let mode = String(info.st_mode & 0o7777, radix: 8)
        if info.st_uid != 0 && info.st_uid != effectiveUser {
            let owner = UserNames().name(of: info.st_uid).map { " (\(UntrustedText.escaped($0)))" } ?? ""
            throw refuse("it is owned by uid \(info.st_uid)\(owner), not by root or uid \(effectiveUser); chown it")
        }
        if info.st_mode & S_IWOTH != 0 {
            throw refuse("every user can write it (mode 0\(mode)); chmod o-w it")
        }
        if info.st_mode & S_IWGRP != 0 && info.st_gid != 0 && info.st_gid != effectiveGroup {
            throw refuse("group \(info.st_gid) can write it (mode 0\(mode)); chmod g-w it")
        }
        let limit = ConfigurationFile.maximumBytes
        let tooLarge = refuse("it is larger than \(limit >> 20) MiB; a configuration is a few lines")
        guard info.st_size <= limit else { throw tooLarge }
        do {
            let bytes = try FileIO.readAll(fd: fd, name: path.text, limit: limit + 1)
            guard bytes.count <= limit else { throw tooLarge }
            return bytes
        } catch let error as SystemCallError {
            throw ConfigurationFileRefusal("cannot read the configuration file \(name): \(error.call): \(error.message)")
        }
    }
}

/// Why the configuration file was not used: one line naming the file, the cause and the fix.
public struct ConfigurationFileRefusal: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
