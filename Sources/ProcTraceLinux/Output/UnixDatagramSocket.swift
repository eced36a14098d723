#if canImport(Glibc)
import Glibc
#endif

/// Connects a socket of `type` to the AF_UNIX `path` (the journal, /dev/log).
func connectUnixSocket(path: String, type: Int32) throws -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
        throw DeliveryError("\(path): a socket path can be at most 107 bytes")
    }
    withUnsafeMutableBytes(of: &address.sun_path) { target in
        target.copyBytes(from: bytes)
        target[bytes.count] = 0
    }
    let fd = try retryingSystemCall("socket", path) { socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0) }
    let status = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    if status != 0 {
        let error = SystemCallError("connect", path, errno: errno)
        close(fd)
        throw error
    }
    setSendTimeout(fd, seconds: 1)
    return fd
}

/// A stalled receiver holds a send at most this long (the sender thread retries).
func setSendTimeout(_ fd: Int32, seconds: Int) {
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
}
