#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// `--output syslog+tcp://…`, `syslog+tls://…`, `syslog+udp://…`, `syslog+unix://…`:
/// RFC 5424 messages; over TCP framed by octet counting (RFC 6587: "LENGTH SP
/// MSG"), and so over TLS (RFC 5425). TCP bytes (TLS records, over TLS) count
/// as delivered once the receiver's kernel acknowledged them and a second has
/// passed with the connection still open. A receiver that takes nothing for
/// 30 s is disconnected (and tried again). TLS never falls back to clear text:
/// a handshake that fails is a connection that failed.
public final class SyslogTransport: RecordTransport {
    public let endpoint: OutputTarget.SyslogEndpoint
    public let name: String
    public private(set) var bytesSent: UInt64 = 0
    private var fd: Int32 = -1
    private let message: SyslogMessage
    private var frame: [UInt8] = []
    private let tlsConfiguration: TLSClientConfiguration?
    private var tls: TLSSession?

    static let stallNanoseconds: Int64 = 30_000_000_000
    /// The most a TLS handshake may take (after the TCP one).
    static let handshakeNanoseconds: Int64 = 5_000_000_000

    /// `tls`: how syslog+tls:// checks its server (needed for that endpoint, unused by the others).
    public init(endpoint: OutputTarget.SyslogEndpoint, hostName: String = HostInfo.hostName, tls: TLSClientConfiguration? = nil) {
        self.endpoint = endpoint
        name = OutputTarget.syslog(endpoint).description
        message = SyslogMessage(hostName: hostName)
        tlsConfiguration = tls
    }

    deinit { disconnect() }

    private var isStream: Bool {
        switch endpoint {
        case .tcp, .tls: true
        case .udp, .unix, .relp: false
        }
    }

    public var settleNanoseconds: Int64 { isStream ? 1_000_000_000 : 0 }

    public func connect(until deadline: Deadline) throws {
        guard fd < 0 else { return }
        switch endpoint {
        case .tcp(let host, let port):
            fd = try Self.connectInternet(host: host, port: port, type: Int32(SOCK_STREAM.rawValue), name: name, deadline: deadline)
        case .tls(let host, let port):
            guard let tlsConfiguration else { throw DeliveryError("\(name): no TLS settings") }
            let socket = try Self.connectInternet(host: host, port: port, type: Int32(SOCK_STREAM.rawValue), name: name, deadline: deadline)
            do {
                let session = try TLSSession(tlsConfiguration, fd: socket, host: host)
                try session.handshake(within: Self.handshakeNanoseconds, deadline: deadline)
                tls = session
                fd = socket
            } catch {
                close(socket)
                throw DeliveryError("\(name): \(error)")
            }
        case .relp:
            throw DeliveryError("\(name): RELP is RELPTransport's")
        case .udp(let host, let port):
            fd = try Self.connectInternet(host: host, port: port, type: Int32(SOCK_DGRAM.rawValue), name: name, deadline: deadline)
        case .unix(let path):
            do {
                fd = try connectUnixSocket(path: path, type: Int32(SOCK_DGRAM.rawValue))
            } catch {
                throw DeliveryError("\(name): \(error)")
            }
        }
        bytesSent = 0
    }

    public func disconnect() {
        tls = nil  // its close_notify, if the socket takes it at once
        if fd >= 0 { close(fd) }
        fd = -1
    }

    public func send(_ record: OutgoingRecord, until deadline: Deadline) throws {
        frame.removeAll(keepingCapacity: true)
        var body: [UInt8] = []
        message.append(record, to: &body)
        if isStream {
            frame.append(contentsOf: String(body.count).utf8)
            frame.append(0x20)
        }
        frame.append(contentsOf: body)
        let result: SocketSendResult
        do {
            result = try frame.withUnsafeBytes { bytes in
                if let tls { return try tls.write(bytes, stallNanoseconds: Self.stallNanoseconds, deadline: deadline) }
                return try sendAll(fd, bytes, subject: name, stallNanoseconds: Self.stallNanoseconds, deadline: deadline)
            }
        } catch let error as SystemCallError where error.errno == EMSGSIZE && !isStream {
            throw DeliveryError("\(name): a record of \(frame.count) bytes is too large for one datagram; use syslog+tcp")
        } catch {
            throw DeliveryError("\(name): \(error)")
        }
        switch result {
        case .sent: bytesSent = tls?.wireBytesWritten ?? bytesSent + UInt64(frame.count)
        case .stalled: throw DeliveryError("\(name): the receiver took nothing for \(Self.stallNanoseconds / 1_000_000_000) s")
        case .deadlinePassed: throw DeliveryError("\(name): the receiver took nothing more within the stop's grace")
        }
    }

    public func acknowledgedBytes() -> UInt64? {
        guard fd >= 0 else { return nil }
        guard isStream else { return bytesSent }
        if let tls {
            // Over TLS the server may send tickets; an alert or close_notify means it closed.
            guard tls.isOpen else { return nil }
        } else {
            // A syslog receiver never writes back: readable means it closed.
            var byte: UInt8 = 0
            let peeked = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { return nil }
        }
        var unacknowledged: Int32 = 0
        guard ioctl(fd, UInt(TIOCOUTQ), &unacknowledged) == 0 else { return nil }
        return bytesSent - min(bytesSent, UInt64(max(0, unacknowledged)))
    }

    static func connectInternet(host: String, port: UInt16, type: Int32, name: String, deadline: Deadline) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = type
        hints.ai_family = AF_UNSPEC
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            throw DeliveryError("\(name): cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        var lastError = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, type | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { lastError = errno; continue }
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                // At most two seconds for the handshake, and never past a stop's grace.
                let wait = deadline.remaining(within: Clock.monotonicNanoseconds + 2_000_000_000)
                var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                if poll(&waiting, 1, Int32(wait / 1_000_000)) == 1,
                   getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length) == 0, soError == 0 {
                    return fd  // non-blocking: sends wait in sendAll, with their deadline
                }
                lastError = soError != 0 ? soError : ETIMEDOUT
            } else {
                lastError = errno
            }
            close(fd)
        }
        throw DeliveryError("\(name): \(SystemCallError("connect", "\(host):\(port)", errno: lastError))")
    }
}
