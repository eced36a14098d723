/// Turns one datagram from a NETLINK_CONNECTOR socket into proc-connector
/// events. Every read is bounds-checked: a short or inconsistent message is
/// counted as malformed and skipped, never trapped on.
public struct ProcConnectorParser {
    /// What one datagram held.
    public struct Counts: Equatable, Sendable {
        /// Events decoded and delivered.
        public var events = 0
        /// Messages too short or inconsistent to decode.
        public var malformed = 0
        /// Well-formed messages that are not process events proctrace knows
        /// (another connector, netlink no-ops, event kinds newer than this parser).
        public var ignored = 0

        public init(events: Int = 0, malformed: Int = 0, ignored: Int = 0) {
            self.events = events
            self.malformed = malformed
            self.ignored = ignored
        }
    }

    public init() {}

    /// Calls `deliver` for each process event in `datagram`, in order.
    @discardableResult
    public func parse(_ datagram: UnsafeRawBufferPointer, _ deliver: (ProcConnectorEvent) -> Void) -> Counts {
        typealias Header = ProcConnectorLayout.NetlinkHeader
        var counts = Counts()
        var offset = 0
        while offset < datagram.count {
            let remaining = datagram.count - offset
            guard remaining >= Header.byteCount else {
                counts.malformed += 1
                break
            }
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset + Header.length, as: UInt32.self))
            // A bad length leaves no way to find the next message: the rest of the datagram is lost.
            guard length >= Header.byteCount, length <= remaining else {
                counts.malformed += 1
                break
            }
            let type = datagram.loadUnaligned(fromByteOffset: offset + Header.type, as: UInt16.self)
            let body = UnsafeRawBufferPointer(rebasing: datagram[(offset + Header.byteCount)..<(offset + length)])
            if type == ProcConnectorLayout.NetlinkMessageType.done {
                parseConnectorMessage(body, counts: &counts, deliver)
            } else {
                counts.ignored += 1
            }
            let (aligned, overflow) = length.addingReportingOverflow(Header.alignment - 1)
            guard !overflow else { break }
            offset += aligned & ~(Header.alignment - 1)
        }
        return counts
    }

    private func parseConnectorMessage(
        _ message: UnsafeRawBufferPointer, counts: inout Counts, _ deliver: (ProcConnectorEvent) -> Void
    ) {
        typealias Connector = ProcConnectorLayout.ConnectorMessage
        guard message.count >= Connector.byteCount else {
            counts.malformed += 1
            return
        }
        let index = message.loadUnaligned(fromByteOffset: Connector.index, as: UInt32.self)
        let value = message.loadUnaligned(fromByteOffset: Connector.value, as: UInt32.self)
        guard index == Connector.processEventsIndex, value == Connector.processEventsValue else {
            counts.ignored += 1
            return
        }
        let dataLength = Int(message.loadUnaligned(fromByteOffset: Connector.dataLength, as: UInt16.self))
        guard Connector.byteCount + dataLength <= message.count else {
            counts.malformed += 1
            return
        }
        let data = UnsafeRawBufferPointer(
            rebasing: message[Connector.byteCount..<(Connector.byteCount + dataLength)])
        switch decodeEvent(data) {
        case .event(let event):
            counts.events += 1
            deliver(event)
        case .malformed:
            counts.malformed += 1
        case .unknown:
            counts.ignored += 1
        }
    }

    private enum Outcome {
        case event(ProcConnectorEvent)
        case malformed
        case unknown
    }

    private func decodeEvent(_ data: UnsafeRawBufferPointer) -> Outcome {
        typealias L = ProcConnectorLayout
        guard data.count >= L.ProcEvent.data else { return .malformed }
        func u32(_ offset: Int) -> UInt32 { data.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        func i32(_ offset: Int) -> Int32 { data.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
        func task(_ pidOffset: Int, _ tgidOffset: Int) -> TaskIDs { TaskIDs(tid: i32(pidOffset), tgid: i32(tgidOffset)) }

        let what = u32(L.ProcEvent.what)
        let end: Int
        switch what {
        case L.What.none: end = L.Acknowledgement.end
        case L.What.fork: end = L.Fork.end
        case L.What.exec: end = L.Exec.end
        case L.What.uid, L.What.gid: end = L.ID.end
        case L.What.sid: end = L.Sid.end
        case L.What.ptrace: end = L.Ptrace.end
        case L.What.comm: end = L.Comm.end
        case L.What.coredump: end = L.Coredump.end
        case L.What.exit: end = L.Exit.end
        default: return .unknown
        }
        guard data.count >= end else { return .malformed }

        let subject = task(L.ProcEvent.taskPid, L.ProcEvent.taskTgid)
        let detail: ProcConnectorEvent.Detail
        switch what {
        case L.What.none:
            detail = .acknowledgement(error: u32(L.Acknowledgement.error))
        case L.What.fork:
            detail = .fork(parent: task(L.Fork.parentPid, L.Fork.parentTgid),
                           child: task(L.Fork.childPid, L.Fork.childTgid))
        case L.What.exec:
            detail = .exec(subject)
        case L.What.uid:
            detail = .uid(subject, real: u32(L.ID.real), effective: u32(L.ID.effective))
        case L.What.gid:
            detail = .gid(subject, real: u32(L.ID.real), effective: u32(L.ID.effective))
        case L.What.sid:
            detail = .sid(subject)
        case L.What.ptrace:
            detail = .ptrace(subject, tracer: task(L.Ptrace.tracerPid, L.Ptrace.tracerTgid))
        case L.What.comm:
            detail = .comm(subject, Comm(bytes: UnsafeRawBufferPointer(
                rebasing: data[L.Comm.comm..<(L.Comm.comm + L.Comm.length)])))
        case L.What.coredump:
            detail = .coredump(subject, parent: task(L.Coredump.parentPid, L.Coredump.parentTgid))
        default:
            detail = .exit(subject, exitCode: u32(L.Exit.exitCode), exitSignal: i32(L.Exit.exitSignal),
                           parent: task(L.Exit.parentPid, L.Exit.parentTgid))
        }
        return .event(ProcConnectorEvent(
            timestamp: data.loadUnaligned(fromByteOffset: L.ProcEvent.timestamp, as: UInt64.self),
            cpu: u32(L.ProcEvent.cpu), detail: detail))
    }
}
