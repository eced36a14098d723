#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// `--output relp://HOST:PORT`: the messages of syslog+tcp:// over RELP
/// (rsyslog's Reliable Event Logging Protocol, imrelp): each is a `syslog`
/// command the collector answers `200 OK` once it has taken it, so a record
/// counts as delivered at its answer, not a second after the kernel's
/// acknowledgement, and a break resends only what was never answered.
/// The few lines of framing are written here rather than through librelp:
/// librelp keeps its window of unanswered messages to itself (no call says
/// which were answered), blocks in its own waits, and resends from memory,
/// where the spool needs to know what to commit.
public final class RELPTransport: RecordTransport {
    public let name: String
    public private(set) var bytesSent: UInt64 = 0
    public var settleNanoseconds: Int64 { 0 }
    private let host: String
    private let port: UInt16
    private let message: SyslogMessage
    private var fd: Int32 = -1
    private var frame: [UInt8] = []
    private var input: [UInt8] = []
    private var nextTransaction = 1
    /// Sent and not answered yet: each transaction number with where it ends on the wire.
    private var unanswered: [(transaction: Int, wireEnd: UInt64)] = []
    private var answered = 0
    private var acknowledged: UInt64 = 0
    private var broken: String?

    /// At most this many messages unanswered, as librelp's client keeps
    /// (rsyslog's default window): a break resends at most a window, however
    /// slowly a loaded collector answers.
    static let window = 128
    static let stallNanoseconds: Int64 = 30_000_000_000
    static let openNanoseconds: Int64 = 5_000_000_000
    /// The largest answer taken (an `open` answer lists offers; a `rsp` is a few bytes).
    static let maximumAnswerBytes = 64 * 1024

    public init(host: String, port: UInt16, hostName: String = HostInfo.hostName) {
        self.host = host
        self.port = port
        name = OutputTarget.syslog(.relp(host: host, port: port)).description
        message = SyslogMessage(hostName: hostName)
    }

    deinit { disconnect() }

    public func connect(until deadline: Deadline) throws {
        guard fd < 0 else { return }
        fd = try SyslogTransport.connectInternet(host: host, port: port, type: Int32(SOCK_STREAM.rawValue), name: name, deadline: deadline)
        bytesSent = 0
        acknowledged = 0
        nextTransaction = 1
        broken = nil
        do {
            try write(command: "open", body: Array("relp_version=0\nrelp_software=proctrace\ncommands=syslog".utf8), deadline: deadline)
            try awaitAnswers(until: { acknowledged >= bytesSent }, within: Self.openNanoseconds, deadline: deadline) { _ in
                "no answer to RELP open within \(Self.openNanoseconds / 1_000_000_000) s"
            }
        } catch {
            disconnect()
            throw DeliveryError("\(name): \(error)")
        }
    }

    public func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
        unanswered.removeAll()
        input.removeAll()
    }

    public func send(_ record: OutgoingRecord, until deadline: Deadline) throws {
        try waitForRoomInTheWindow(until: deadline)
        var body: [UInt8] = []
        message.append(record, to: &body)
        try write(command: "syslog", body: body, deadline: deadline)
    }

    /// What the collector answered `200 OK` to on this connection, also after it broke.
    public var deliveredBeforeBreak: UInt64 {
        if fd >= 0 { _ = readAnswers() }
        return acknowledged
    }

    public func acknowledgedBytes() -> UInt64? {
        guard fd >= 0, readAnswers() else { return nil }
        return acknowledged
    }

    private func waitForRoomInTheWindow(until deadline: Deadline) throws {
        guard unanswered.count >= Self.window else { return }
        do {
            try awaitAnswers(until: { unanswered.count < Self.window }, within: Self.stallNanoseconds, deadline: deadline) {
                $0 ? "the collector answered nothing for \(Self.stallNanoseconds / 1_000_000_000) s"
                   : "the collector answered nothing more within the stop's grace"
            }
        } catch {
            throw DeliveryError("\(name): \(error)")
        }
    }

    /// Reads answers, waiting for more, until `enough()` holds. Throws when the
    /// connection broke, or with `timedOut(limitPassed)` when `limit` or the
    /// deadline ran out first.
    private func awaitAnswers(until enough: () -> Bool, within limit: Int64, deadline: Deadline,
                              timedOut: (Bool) -> String) throws {
        let end = Clock.monotonicNanoseconds + limit
        while true {
            guard readAnswers() else { throw DeliveryError(broken ?? "the collector closed the connection") }
            if enough() { return }
            let left = deadline.remaining(within: end)
            guard left > 0 else { throw DeliveryError(timedOut(Clock.monotonicNanoseconds >= end)) }
            var waiting = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&waiting, 1, Int32(min(left, 100_000_000) / 1_000_000) + 1)
        }
    }

    /// `TXNR SP COMMAND SP DATALEN [SP DATA] LF`.
    private func write(command: String, body: [UInt8], deadline: Deadline) throws {
        let transaction = nextTransaction
        nextTransaction = nextTransaction == 999_999_999 ? 1 : nextTransaction + 1
        frame.removeAll(keepingCapacity: true)
        frame.append(contentsOf: "\(transaction) \(command) \(body.count)".utf8)
        if !body.isEmpty {
            frame.append(0x20)
            frame.append(contentsOf: body)
        }
        frame.append(0x0a)
        let result: SocketSendResult
        do {
            result = try frame.withUnsafeBytes { bytes in
                try sendAll(fd, bytes, subject: name, stallNanoseconds: Self.stallNanoseconds, deadline: deadline)
            }
        } catch {
            throw DeliveryError("\(name): \(error)")
        }
        switch result {
        case .sent:
            bytesSent += UInt64(frame.count)
            unanswered.append((transaction, bytesSent))
        case .stalled: throw DeliveryError("\(name): the collector took nothing for \(Self.stallNanoseconds / 1_000_000_000) s")
        case .deadlinePassed: throw DeliveryError("\(name): the collector took nothing more within the stop's grace")
        }
    }

    /// Reads the answers that arrived, without waiting; false once the
    /// connection is broken (closed, refused a message, or spoke nonsense).
    private func readAnswers() -> Bool {
        guard broken == nil else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if got > 0 {
                input.append(contentsOf: buffer[..<got])
                continue
            }
            if got < 0 && errno == EINTR { continue }
            if got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            parseAnswers()
            if broken == nil { broken = got == 0 ? "the collector closed the connection" : String(cString: strerror(errno)) }
            return false
        }
        parseAnswers()
        return broken == nil
    }

    private func parseAnswers() {
        while broken == nil, let answer = RELPFrame.parse(input, limit: Self.maximumAnswerBytes) {
            switch answer {
            case .incomplete: return
            case .malformed(let why): broken = "the collector's answer is not RELP (\(why))"
            case .frame(let transaction, let command, let data, let length):
                input.removeFirst(length)
                take(transaction: transaction, command: command, data: data)
            }
        }
    }

    private func take(transaction: Int, command: String, data: [UInt8]) {
        if command == "serverclose" {
            broken = "the collector closed the session"
            return
        }
        guard command == "rsp" else { return }
        guard let first = unanswered.first, first.transaction == transaction else {
            broken = "the collector answered transaction \(transaction), which was not the next one"
            return
        }
        unanswered.removeFirst()
        let status = String(decoding: data.prefix { $0 != 0x0a }, as: UTF8.self)
        guard status.hasPrefix("200") else {
            broken = "the collector refused a message: \(UntrustedText.escaped(String(status.prefix(200))))"
            return
        }
        acknowledged = first.wireEnd
    }
}

/// One RELP frame read from the start of a buffer.
enum RELPFrame: Equatable {
    case frame(transaction: Int, command: String, data: [UInt8], length: Int)
    case incomplete
    case malformed(String)

    static func parse(_ bytes: [UInt8], limit: Int) -> RELPFrame? {
        guard !bytes.isEmpty else { return nil }
        var index = 0
        func number(upTo maximum: Int) -> Int? {
            var value = 0
            let start = index
            while index < bytes.count, let digit = bytes[index].asciiDigit, index - start < 10 {
                value = value * 10 + digit
                index += 1
            }
            return index > start && value <= maximum ? value : nil
        }
        guard let transaction = number(upTo: 999_999_999) else { return index >= bytes.count ? .incomplete : .malformed("transaction") }
        guard index < bytes.count else { return .incomplete }
        guard bytes[index] == 0x20 else { return .malformed("after the transaction") }
        index += 1
        let commandStart = index
        while index < bytes.count, bytes[index] != 0x20, index - commandStart < 32 { index += 1 }
        guard index < bytes.count else { return index - commandStart < 32 ? .incomplete : .malformed("command") }
        guard bytes[index] == 0x20, index > commandStart else { return .malformed("command") }
        let command = String(decoding: bytes[commandStart..<index], as: UTF8.self)
        index += 1
        guard let length = number(upTo: limit) else { return index >= bytes.count ? .incomplete : .malformed("length") }
        guard index < bytes.count else { return .incomplete }
        var data: [UInt8] = []
        if length > 0 {
            guard bytes[index] == 0x20 else { return .malformed("after the length") }
            index += 1
            guard bytes.count >= index + length + 1 else { return .incomplete }
            data = Array(bytes[index..<index + length])
            index += length
        }
        guard bytes[index] == 0x0a else { return .malformed("trailer") }
        return .frame(transaction: transaction, command: command, data: data, length: index + 1)
    }
}

extension UInt8 {
    fileprivate var asciiDigit: Int? { self >= 0x30 && self <= 0x39 ? Int(self - 0x30) : nil }
}
