#if canImport(Glibc)
import Glibc
#endif
import CProcTraceNetlink

/// A NETLINK_CONNECTOR socket subscribed to the kernel's process events.
public final class NetlinkSocket {
    public enum Receive {
        /// A datagram of this many bytes from the kernel is in the buffer.
        case datagram(Int)
        /// Nothing more to read now.
        case empty
        /// The receive buffer overflowed: the kernel dropped an unknown number of datagrams.
        case overrun
        /// A datagram not sent by the kernel (another process's), discarded.
        case foreign
    }

    private var fd: Int32
    /// Bytes the kernel lets the socket queue (what SO_RCVBUF reports back).
    public let receiveBufferBytes: Int

    /// Opens, binds to the process-events group, sizes the receive buffer and
    /// subscribes. `receiveBufferBytes` is forced past rmem_max when the
    /// caller may (CAP_NET_ADMIN), else capped by it.
    public init(receiveBufferBytes: Int) throws {
        let fd = try retryingSystemCall("socket", "AF_NETLINK, NETLINK_CONNECTOR") {
            socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                   Int32(PTNL_NETLINK_CONNECTOR))
        }
        do {
            self.receiveBufferBytes = try NetlinkSocket.setReceiveBuffer(of: fd, bytes: receiveBufferBytes)
            try NetlinkSocket.bindToProcessEvents(fd)
            try NetlinkSocket.sendMulticastOperation(UInt32(PTNL_PROC_CN_MCAST_LISTEN), on: fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
    }

    /// Returns the size granted.
    private static func setReceiveBuffer(of fd: Int32, bytes: Int) throws -> Int {
        var size = Int32(clamping: bytes)
        let length = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(fd, SOL_SOCKET, Int32(PTNL_SO_RCVBUFFORCE), &size, length) != 0 {
            try retryingSystemCall("setsockopt", "SO_RCVBUF") { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, length) }
        }
        var granted: Int32 = 0
        var grantedLength = length
        try retryingSystemCall("getsockopt", "SO_RCVBUF") { getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &grantedLength) }
        return Int(granted)
    }

    private static func bindToProcessEvents(_ fd: Int32) throws {
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = UInt32(PTNL_CN_IDX_PROC)
        try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                _ = try retryingSystemCall("bind", "netlink proc connector group") {
                    bind(fd, socketAddress, socklen_t(MemoryLayout<sockaddr_nl>.size))
                }
            }
        }
    }

    private static func sendMulticastOperation(_ operation: UInt32, on fd: Int32) throws {
        var message = [UInt8](repeating: 0, count: 64)
        let length = message.withUnsafeMutableBytes {
            ptnl_build_mcast_message($0.baseAddress, $0.count, operation, 0)
        }
        _ = try message.withUnsafeBytes { bytes in
            try retryingSystemCall("send", "PROC_CN_MCAST_LISTEN") { send(fd, bytes.baseAddress, length, 0) }
        }
    }

    deinit {
        close()
    }

    public var isOpen: Bool { fd >= 0 }

    /// Receives one datagram into `buffer` without waiting. The count is the
    /// datagram's real length (MSG_TRUNC), larger than the buffer if it was cut.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) throws -> Receive {
        var sender = sockaddr_nl()
        var senderLength = socklen_t(MemoryLayout<sockaddr_nl>.size)
        do {
            let count = try withUnsafeMutablePointer(to: &sender) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    try retryingSystemCall("recvfrom", "netlink proc connector") {
                        recvfrom(fd, buffer.baseAddress, buffer.count, Int32(MSG_TRUNC), address, &senderLength)
                    }
                }
            }
            return sender.nl_pid == 0 ? .datagram(count) : .foreign
        } catch let error as SystemCallError where error.errno == EAGAIN || error.errno == EWOULDBLOCK {
            return .empty
        } catch let error as SystemCallError where error.errno == ENOBUFS {
            return .overrun
        }
    }

    /// Waits until a datagram (or an overrun) is ready, at most `timeoutMilliseconds`.
    public func waitUntilReadable(timeoutMilliseconds: Int32) throws {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        try retryingSystemCall("poll", "netlink proc connector") { Glibc.poll(&descriptor, 1, timeoutMilliseconds) }
    }

    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }
}
