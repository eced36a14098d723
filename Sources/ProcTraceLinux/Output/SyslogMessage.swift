import ProcTraceCore

/// RFC 5424 messages for one record: `<30>1 TIMESTAMP HOST proctrace PID
/// EVENT SD JSON` (facility daemon, severity info). PID is the recorder
/// that captured the record (a spooled record keeps its own, "-" when
/// unknown). The structured data says, when records were dropped before
/// this one, how many.
struct SyslogMessage {
    let hostName: [UInt8]

    init(hostName: String) {
        // HOSTNAME is printable US-ASCII without spaces, at most 255 characters.
        let printable = hostName.utf8.filter { $0 > 0x20 && $0 < 0x7f }.prefix(255)
        self.hostName = printable.isEmpty ? Array("-".utf8) : Array(printable)
    }

    func append(_ record: OutgoingRecord, to out: inout [UInt8]) {
        let (line, event, droppedBefore) = (record.line, record.event, record.droppedBefore)
        out.append(contentsOf: "<30>1 ".utf8)
        if let event, event.time > 0 {
            // TIME-SECFRAC holds at most 6 digits: cut the nanoseconds to microseconds.
            var stamp = Array(RFC3339.format(nanoseconds: event.time).utf8)
            if stamp.count > 4, stamp.last == UInt8(ascii: "Z") { stamp.removeSubrange(stamp.count - 4 ..< stamp.count - 1) }
            out.append(contentsOf: stamp)
        } else {
            out.append(UInt8(ascii: "-"))
        }
        out.append(0x20)
        out.append(contentsOf: hostName)
        out.append(contentsOf: " proctrace ".utf8)
        out.append(contentsOf: (record.recorderPid.map(String.init) ?? "-").utf8)
        out.append(0x20)
        out.append(contentsOf: (event?.kind.name ?? "-").utf8)
        if droppedBefore > 0 {
            out.append(contentsOf: " [proctrace@32473 dropped=\"\(droppedBefore)\"] ".utf8)
        } else {
            out.append(contentsOf: " - ".utf8)
        }
        out.append(contentsOf: line)
    }
}
