#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import Synchronization

/// `--metrics-listen ADDR:PORT`: a small HTTP server on a thread of its own
/// answering GET /metrics from RecordMetrics. One request per connection;
/// clients are served side by side (one poll over all of them, nothing
/// blocks), each within five seconds for its whole exchange, at most
/// `connectionLimit` at once (a newcomer past it closes the oldest). No
/// client can hold another's scrape, and none can touch the record path.
public final class MetricsServer: Sendable {
    static let connectionLimit = 32

    public let metrics: RecordMetrics
    private let listener: Int32
    /// Set and taken by the recording's thread (start, stop).
    private let thread = Mutex<SystemThread?>(nil)
    private let stopping = Atomic<Bool>(false)

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
            socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, listen(fd, 64) == 0 else {
            let error = SystemCallError("bind", address, errno: errno)
            close(fd)
            throw DeliveryError("--metrics-listen: \(error) (is another program using the port?)")
        }
        listener = fd
    }

    deinit { close(listener) }

    public func start() {
        let started = SystemThread.start { [self] in serve() }
        thread.withLock { $0 = started }
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        thread.withLock { $0.take() }?.join()
    }

    private func serve() {
        var clients: [MetricsConnection] = []
        while !stopping.load(ordering: .acquiring) {
            var polled = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
                + clients.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
            let now = Clock.monotonicNanoseconds
            let wait = clients.map { $0.deadline - now }.min().map { min(max($0, 0), 200_000_000) } ?? 200_000_000
            guard poll(&polled, nfds_t(polled.count), Int32(wait / 1_000_000) + 1) >= 0 else { continue }
            let after = Clock.monotonicNanoseconds
            clients = clients.enumerated().filter { index, client in
                if polled[index + 1].revents != 0 && !client.progress(answer: answer) { return false }
                return after < client.deadline
            }.map(\.element)
            if polled[0].revents & Int16(POLLIN) != 0 { acceptWaiting(into: &clients) }
        }
    }

    private func answer(_ request: [UInt8]) -> [UInt8] {
        MetricsResponse.answer(request, render: metrics.render)
    }

    /// Takes the connections waiting (a round's worth at most).
    private func acceptWaiting(into clients: inout [MetricsConnection]) {
        for _ in 0..<Self.connectionLimit {
            guard let fd = try? retryingSystemCall("accept", nil, { accept(listener, nil, nil) }) else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            // The oldest has had the longest; a scraper sends its request at once.
            if clients.count >= Self.connectionLimit { clients.removeFirst() }
            clients.append(MetricsConnection(fd: fd, now: Clock.monotonicNanoseconds))
        }
    }
}
