#if canImport(Glibc)
import Glibc
#endif

/// One client of the metrics server: its request read and its answer
/// written as the socket allows, never blocking, within one deadline for
/// the whole exchange (a client that sends a byte now and then is cut off
/// when it runs out, however steadily it trickles).
final class MetricsConnection {
    static let deadlineNanoseconds: Int64 = 5_000_000_000
    static let requestLimit = 16 * 1024

    let fd: Int32
    let deadline: Int64
    private var request: [UInt8] = []
    private var response: [UInt8]?
    private var sent = 0

    init(fd: Int32, now: Int64) {
        self.fd = fd
        deadline = now + Self.deadlineNanoseconds
    }

    deinit { close(fd) }

    /// What to poll for: the request, then room for the answer.
    var events: Int16 { Int16(response == nil ? POLLIN : POLLOUT) }

    /// Reads or writes what the socket takes now; false once the exchange is
    /// over (answered, or the client went away or failed).
    func progress(answer: ([UInt8]) -> [UInt8]) -> Bool {
        if response == nil {
            guard readRequest() else { return false }
            guard MetricsResponse.isComplete(request) || request.count >= Self.requestLimit else { return true }
            response = answer(request)
        }
        return writeResponse()
    }

    /// False when the client closed or the socket failed before a whole request.
    private func readRequest() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while request.count < Self.requestLimit {
            let got: Int
            do {
                got = try retryingSystemCall("recv") { recv(fd, &chunk, chunk.count, Int32(MSG_DONTWAIT)) }
            } catch let error as SystemCallError where error.errno == EAGAIN || error.errno == EWOULDBLOCK {
                return true
            } catch {
                return false
            }
            if got == 0 { return MetricsResponse.isComplete(request) }
            request += chunk.prefix(got)
            if MetricsResponse.isComplete(request) { return true }
        }
        return true
    }

    /// False when the answer is all written or cannot be.
    private func writeResponse() -> Bool {
        guard let response else { return false }
        while sent < response.count {
            do {
                let offset = sent
                sent += try retryingSystemCall("send") {
                    response.withUnsafeBytes {
                        send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
                    }
                }
            } catch let error as SystemCallError where error.errno == EAGAIN || error.errno == EWOULDBLOCK {
                return true
            } catch {
                return false
            }
        }
        return false
    }
}
