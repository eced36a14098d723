/// The `stats` figures for the report's heading, names as string-table indices.
enum SummaryEncoder {
    static func append(_ report: StatisticsReport, to out: ByteBuffer, strings: StringTable) {
        var writer = ObjectWriter(out: out)
        func rows(_ name: StaticString, _ rows: [[Int64]]) {
            writer.key(name)
            out.append(UInt8(ascii: "["))
            for (index, row) in rows.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "["))
                for (position, value) in row.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    out.appendDecimal(value)
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "{"))
        writer.number("records", Int64(report.records))
        writer.number("duration", Int64(report.durationNs))
        writer.key("counts")
        out.append(UInt8(ascii: "{"))
        var counts = ObjectWriter(out: out)
        for kind in EventKind.allCases where report.count(kind) > 0 {
            counts.key(kind.jsonName)
            out.appendDecimal(report.count(kind))
        }
        out.append(UInt8(ascii: "}"))
        // [program, count]
        rows("executed", report.mostExecuted.map { [strings.log($0.name), Int64($0.count)] })
        // [comm, status text, count]
        rows("failures", report.failures.map { [strings.log($0.comm.bytes), strings.text($0.status), Int64($0.count)] })
        writer.number("zombie_threshold", Int64(report.zombieThresholdNs))
        writer.number("lingering", Int64(report.lingeringZombieCount))
        // [pid, comm, parent pid, parent comm or -1, lingered ns, 1 if never reaped]
        rows("zombies", report.lingeringZombies.map {
            [Int64($0.pid), strings.log($0.comm.bytes), Int64($0.parentPid),
             $0.parentComm.map { strings.log($0.bytes) } ?? -1, Int64($0.lingeredNs), $0.neverReaped ? 1 : 0]
        })
        // [pid, comm, duration ns]
        rows("longest", report.longestLived.map { [Int64($0.pid), strings.log($0.comm.bytes), Int64($0.durationNs)] })
        writer.number("orphans", Int64(report.orphanCount))
        // [pid, comm or -1, orphans]
        rows("adopters", report.adopters.map { [Int64($0.pid), $0.comm.map { strings.log($0.bytes) } ?? -1, Int64($0.orphans)] })
        writer.number("lost_records", Int64(report.lostRecords))
        writer.number("lost_total", Int64(report.lostTotal))
        writer.number("lost_unknown", Int64(report.lostUnknownCount))
        writer.number("unwritten", Int64(report.stopUnwritten))
        writer.number("approximate", report.isApproximate ? 1 : 0)
        out.append(UInt8(ascii: "}"))
    }
}
