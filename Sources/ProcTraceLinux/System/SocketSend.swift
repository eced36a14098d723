#if canImport(Glibc)
import Glibc
#endif

/// How a send on a non-blocking socket ended.
enum SocketSendResult: Equatable {
    case sent
    /// The receiver took nothing for the whole stall limit.
    case stalled
    /// The deadline came first.
    case deadlinePassed
}

/// Sends all of `bytes` on a non-blocking socket. While the receiver takes
/// nothing it waits for room (poll, at most a tenth of a second at a time, so
/// a deadline brought forward by a stop is seen at once), for at most
/// `stallNanoseconds` since the last progress and never past `deadline`.
/// Throws for a socket error (a reset, a refused datagram).
func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, subject: String,
             stallNanoseconds: Int64, deadline: Deadline) throws -> SocketSendResult {
    var done = 0
    var lastProgress = Clock.monotonicNanoseconds
    while done < bytes.count {
        do {
            let offset = done
            done += try retryingSystemCall("send", subject) {
                send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            lastProgress = Clock.monotonicNanoseconds
            continue
        } catch let error as SystemCallError where error.errno == EAGAIN || error.errno == EWOULDBLOCK {
            // Room is waited for below.
        }
        let left = deadline.remaining(within: lastProgress + stallNanoseconds)
        if left == 0 { return deadline.hasPassed ? .deadlinePassed : .stalled }
        var waiting = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        _ = try retryingSystemCall("poll", subject) { poll(&waiting, 1, Int32(min(left, 100_000_000) / 1_000_000) + 1) }
    }
    return .sent
}
