#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// A CA, certificate or key file for TLS, read through the descriptor its
/// checks were made on: a regular file (not a link), owned by root or by
/// the user running proctrace, that no other user can write, and for a
/// private key none can read (group read allowed, as Debian's ssl-cert does).
enum TLSCredentialFile {
    static let maximumBytes = 1 << 20

    static func read(_ path: String, option: String, secret: Bool, effectiveUser: uid_t = geteuid()) throws -> [UInt8] {
        let shown = UntrustedText.escaped(path)
        let fd: Int32
        do {
            fd = try retryingSystemCall("open", path) { open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        } catch let error as SystemCallError {
            let hint = error.errno == ELOOP ? " (a symbolic link: give the file itself, readlink -f \(shown))" : ""
            throw DeliveryError("\(option) \(shown): cannot open it: \(error.message)\(hint)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DeliveryError("\(option) \(shown): cannot stat it: \(String(cString: strerror(errno)))") }
        func refuse(_ why: String) -> DeliveryError { DeliveryError("refusing \(option) \(shown): \(why)") }
        let mode = "mode 0\(String(info.st_mode & 0o7777, radix: 8))"
        guard info.st_mode & S_IFMT == S_IFREG else { throw refuse("it is not a regular file") }
        guard info.st_uid == 0 || info.st_uid == effectiveUser else {
            throw refuse("it is owned by uid \(info.st_uid), not by root or uid \(effectiveUser), who could replace it")
        }
        guard info.st_mode & 0o022 == 0 else { throw refuse("other users can write it (\(mode)); chmod go-w it") }
        if secret, info.st_mode & 0o037 != 0 {
            throw refuse("other users can read it (\(mode)); chmod 0600 it (0640 for a group such as ssl-cert)")
        }
        guard info.st_size <= Self.maximumBytes else { throw refuse("it is larger than 1M, not a PEM file") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw DeliveryError("\(option) \(shown): cannot read it: \(got < 0 ? String(cString: strerror(errno)) : "it shrank")") }
            done += got
        }
        return bytes
    }
}
