#if canImport(Glibc)
import Glibc
#endif
import CProcTraceTLS
import ProcTraceCore

/// One TLS connection over a connected non-blocking TCP socket (the
/// caller's). Every wait is a poll with a limit, so the sender thread is
/// never held past its deadline.
final class TLSSession {
    private let pointer: OpaquePointer
    private let configuration: TLSClientConfiguration
    private var error = [CChar](repeating: 0, count: 512)
    private let fd: Int32

    init(_ configuration: TLSClientConfiguration, fd: Int32, host: String) throws {
        guard let pointer = pt_tls_new(configuration.pointer, fd, host, &error, error.count) else {
            throw DeliveryError(String(cBuffer: error))
        }
        self.pointer = pointer
        self.configuration = configuration
        self.fd = fd
    }

    deinit { pt_tls_free(pointer) }

    /// Bytes of TLS records written to the socket (what the kernel's send queue counts).
    var wireBytesWritten: UInt64 { pt_tls_wire_bytes_written(pointer) }

    var isOpen: Bool { pt_tls_is_open(pointer) == 1 }

    /// The handshake, within `limit` nanoseconds and the deadline; then the pin, if one was given.
    func handshake(within limit: Int64, deadline: Deadline) throws {
        let end = Clock.monotonicNanoseconds + limit
        while true {
            let step = pt_tls_handshake(pointer, &error, error.count)
            if step == Int32(PT_TLS_DONE) { break }
            guard step != Int32(PT_TLS_FAILED) else { throw DeliveryError(String(cBuffer: error)) }
            let left = deadline.remaining(within: end)
            guard left > 0 else { throw DeliveryError("no TLS handshake within \(limit / 1_000_000_000) s") }
            try wait(for: step, nanoseconds: left)
        }
        if let pin = configuration.settings.pinnedSHA256 {
            var digest = [UInt8](repeating: 0, count: 32)
            guard pt_tls_peer_sha256(pointer, &digest) == 1 else { throw DeliveryError("the server sent no certificate") }
            guard digest == pin else {
                throw DeliveryError("refusing the server's certificate: its fingerprint is \(TLSSettings.hex(digest)), "
                    + "not the pinned --tls-fingerprint \(TLSSettings.hex(pin))")
            }
        }
    }

    /// Writes all of `bytes`, waiting at most `stallNanoseconds` for the receiver to take some.
    func write(_ bytes: UnsafeRawBufferPointer, stallNanoseconds: Int64, deadline: Deadline) throws -> SocketSendResult {
        let start = Clock.monotonicNanoseconds
        var lastProgress = start
        var lastWire = wireBytesWritten
        while true {
            let step = pt_tls_write(pointer, bytes.baseAddress, bytes.count, &error, error.count)
            if step == Int32(PT_TLS_DONE) { return .sent }
            guard step != Int32(PT_TLS_FAILED) else { throw DeliveryError(String(cBuffer: error)) }
            if wireBytesWritten != lastWire {
                lastWire = wireBytesWritten
                lastProgress = Clock.monotonicNanoseconds
            }
            let left = deadline.remaining(within: lastProgress + stallNanoseconds)
            if left == 0 { return deadline.hasPassed ? .deadlinePassed : .stalled }
            try wait(for: step, nanoseconds: min(left, 100_000_000))
        }
    }

    private func wait(for step: Int32, nanoseconds: Int64) throws {
        let events = step == Int32(PT_TLS_WANT_READ) ? POLLIN : POLLOUT
        var waiting = pollfd(fd: fd, events: Int16(events), revents: 0)
        _ = try retryingSystemCall("poll", "TLS") { poll(&waiting, 1, Int32(min(nanoseconds, 100_000_000) / 1_000_000) + 1) }
    }
}
