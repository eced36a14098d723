#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// `--output journal`: one journal entry per record through journald's
/// native protocol (a datagram of fields on /run/systemd/journal/socket; an
/// entry too large for a datagram goes as a sealed memfd). MESSAGE is the
/// JSON line; PROCTRACE_* fields are there to match on.
///
/// Not libsystemd's sd_journal_sendv: its socket blocks and has no deadline.
/// Measured with a journal socket whose reader never reads (a journald
/// stopped or overloaded): its first send had not returned after 8 s, which
/// would hold this output's thread and the recorder's stop with it; this one
/// gives up after a second without room and counts what it could not send.
public final class JournalTransport: RecordTransport {
    public static let defaultSocket = "/run/systemd/journal/socket"
    public let socketPath: String
    public let name = "journal"
    public let settleNanoseconds: Int64 = 0
    public private(set) var bytesSent: UInt64 = 0
    private var fd: Int32 = -1
    private var entry: [UInt8] = []

    public init(socketPath: String = JournalTransport.defaultSocket) {
        self.socketPath = socketPath
    }

    deinit { disconnect() }

    public func connect(until deadline: Deadline) throws {
        guard fd < 0 else { return }
        do {
            fd = try connectUnixSocket(path: socketPath, type: Int32(SOCK_DGRAM.rawValue))
        } catch {
            throw DeliveryError("journal: \(error) (is systemd-journald running?)")
        }
        bytesSent = 0
    }

    public func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    public func acknowledgedBytes() -> UInt64? { fd >= 0 ? bytesSent : nil }

    /// A datagram: journald takes it, or a second without room (or the stop's grace) ends the wait.
    public func send(_ record: OutgoingRecord, until deadline: Deadline) throws {
        entry.removeAll(keepingCapacity: true)
        Self.encode(line: record.line, event: record.event, droppedBefore: record.droppedBefore, into: &entry)
        let result: SocketSendResult
        do {
            result = try entry.withUnsafeBytes { bytes in
                try sendAll(fd, bytes, subject: socketPath, stallNanoseconds: 1_000_000_000, deadline: deadline)
            }
        } catch let error as SystemCallError where error.errno == EMSGSIZE || error.errno == ENOBUFS {
            try sendAsMemfd()
            result = .sent
        } catch {
            throw DeliveryError("journal: \(error)")
        }
        switch result {
        case .sent: bytesSent += UInt64(entry.count)
        case .stalled: throw DeliveryError("journal: journald took nothing for a second (is it overloaded?)")
        case .deadlinePassed: throw DeliveryError("journal: journald took nothing more within the stop's grace")
        }
    }

    private func sendAsMemfd() throws {
        let memory = entry.withUnsafeBytes { pt_sealed_memfd($0.baseAddress, $0.count) }
        guard memory >= 0 else { throw DeliveryError("journal: \(SystemCallError("memfd_create", errno: -memory))") }
        defer { close(memory) }
        let status = pt_send_descriptor(fd, memory)
        if status < 0 { throw DeliveryError("journal: \(SystemCallError("sendmsg", socketPath, errno: -status))") }
    }

    /// The fields of one entry. COMM can hold any byte but NUL, so it (and
    /// anything else not plain) uses the binary form: NAME, newline, length
    /// as 64-bit little endian, the bytes, newline.
    static func encode(line: UnsafeRawBufferPointer, event: Event?, droppedBefore: UInt64, into out: inout [UInt8]) {
        func field(_ name: String, _ value: some Collection<UInt8>) {
            out.append(contentsOf: name.utf8)
            if value.contains(0x0a) || name == "PROCTRACE_COMM" {
                out.append(0x0a)
                var length = UInt64(value.count).littleEndian
                withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
            } else {
                out.append(UInt8(ascii: "="))
            }
            out.append(contentsOf: value)
            out.append(0x0a)
        }
        field("MESSAGE", line)
        field("PRIORITY", "6".utf8)
        field("SYSLOG_IDENTIFIER", "proctrace".utf8)
        guard let event else { return }
        field("PROCTRACE_EVENT", event.kind.name.utf8)
        field("PROCTRACE_SEQ", String(event.seq).utf8)
        if event.pid != 0 {
            field("PROCTRACE_PID", String(event.pid).utf8)
            field("PROCTRACE_PPID", String(event.ppid).utf8)
            event.comm.withBytes { field("PROCTRACE_COMM", $0) }
        }
        if let credentials = event.credentials { field("PROCTRACE_UID", String(credentials.uid).utf8) }
        if droppedBefore > 0 { field("PROCTRACE_DROPPED", String(droppedBefore).utf8) }
    }
}
