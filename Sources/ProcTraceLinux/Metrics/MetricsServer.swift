#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// `--metrics-listen ADDR:PORT`: a small HTTP server on a thread of its own
/// answering GET /metrics from RecordMetrics. One request per connection,
/// two-second limits on reading and writing, so no client can hold it long
/// and none can touch the record path.
public final class MetricsServer {
    public let metrics: RecordMetrics
    private let listener: Int32
    private var thread: pthread_t?
    private var stopping = false

    /// Binds `address` ("127.0.0.1:9464", "[::1]:9464", ":9464" for every address).
    public init(address: String, metrics: RecordMetrics) throws {
        self.metrics = metrics
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else {
            throw DeliveryError("--metrics-listen \(address): give ADDRESS:PORT, e.g. 127.0.0.1:9464")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &found)
        guard status == 0, let info = found else {
            throw DeliveryError("--metrics-listen \(address): not a numeric address (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(found) }
        let fd = try retryingSystemCall("socket") {
            socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 16) == 0 else {
            let error = SystemCallError("bind", address, errno: errno)
            close(fd)
            throw DeliveryError("--metrics-listen: \(error) (is another program using the port?)")
        }
        listener = fd
    }

    deinit { close(listener) }

    public func start() {
        var created = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        if pthread_create(&created, nil, { context in
            let server = Unmanaged<MetricsServer>.fromOpaque(context!).takeRetainedValue()
            server.serve()
            return nil
        }, context) == 0 {
            thread = created
        } else {
            Unmanaged<MetricsServer>.fromOpaque(context).release()
        }
    }

    public func stop() {
        stopping = true
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func serve() {
        while !stopping {
            var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 200) == 1 else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            var limit = timeval(tv_sec: 2, tv_usec: 0)
            _ = setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            _ = setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            answer(client)
            close(client)
        }
    }

    private static func endsHeader(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return true
        }
        return false
    }

    private func answer(_ client: Int32) {
        var request = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while request.count < 16 * 1024 {
            let got = recv(client, &chunk, chunk.count, 0)
            if got <= 0 { break }
            request += chunk.prefix(got)
            if Self.endsHeader(request) { break }
        }
        let line = request.prefix { $0 != 13 && $0 != 10 }.split(separator: 0x20)
        let (status, type, body): (String, String, String)
        if line.count >= 2, line[0].elementsEqual("GET".utf8) {
            let target = line[1].prefix { $0 != UInt8(ascii: "?") }
            if target.elementsEqual("/metrics".utf8) {
                (status, type, body) = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", metrics.render())
            } else {
                (status, type, body) = ("404 Not Found", "text/plain; charset=utf-8", "proctrace serves /metrics\n")
            }
        } else {
            (status, type, body) = ("405 Method Not Allowed", "text/plain; charset=utf-8", "GET /metrics\n")
        }
        let response = Array("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        var sent = 0
        while sent < response.count {
            let wrote = response.withUnsafeBytes { send(client, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if wrote <= 0 { break }
            sent += wrote
        }
    }
}
