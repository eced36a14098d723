extension StatisticsReport {
    /// The report as one JSON object (with a newline), for scripts. Names are
    /// escaped like log strings: invalid UTF-8 as `\udcXX`.
    public func json() -> String {
        let out = ByteBuffer()
        var needsComma = false
        func key(_ name: StaticString) {
            if needsComma { out.append(UInt8(ascii: ",")) }
            needsComma = true
            out.append(UInt8(ascii: "\""))
            out.append(name)
            out.append("\":")
        }
        func number(_ name: StaticString, _ value: UInt64) {
            key(name)
            out.appendDecimal(value)
        }
        func signed(_ name: StaticString, _ value: Int64) {
            key(name)
            out.appendDecimal(value)
        }
        func string(_ name: StaticString, _ bytes: [UInt8]) {
            key(name)
            JSONStringEscaper.appendQuoted(bytes, to: out)
        }
        func time(_ name: StaticString, _ value: Int64?) {
            key(name)
            if let value {
                out.append(UInt8(ascii: "\""))
                RFC3339.append(nanoseconds: value, to: out)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append("null")
            }
        }
        func objects<Element>(_ name: StaticString, _ elements: [Element], _ body: (Element) -> Void) {
            key(name)
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(UInt8(ascii: "{"))
                needsComma = false
                body(element)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
            needsComma = true
        }

        out.append(UInt8(ascii: "{"))
        number("records", records)
        time("first_time", firstTime)
        time("last_time", lastTime)
        number("duration_ns", durationNs)
        key("events")
        out.append(UInt8(ascii: "{"))
        needsComma = false
        for kind in EventKind.allCases where count(kind) > 0 {
            if needsComma { out.append(UInt8(ascii: ",")) }
            needsComma = true
            JSONStringEscaper.appendQuoted(kind.name, to: out)
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(count(kind))
        }
        out.append(UInt8(ascii: "}"))
        needsComma = true
        number("bucket_ns", UInt64(forksOverTime.bucketWidth))
        objects("forks_over_time", forksOverTime.buckets) {
            time("start", $0.start)
            number("forks", $0.count)
        }
        objects("most_executed", mostExecuted) {
            string("program", $0.name)
            number("count", $0.count)
        }
        objects("top_binaries", topBinaries) {
            string("exe_sha256", Array($0.sha256.hex.utf8))
            string("exe", $0.exe)
            number("count", $0.count)
        }
        let lifetime: (Lifetime) -> Void = {
            signed("pid", Int64($0.pid))
            string("comm", $0.comm.bytes)
            number("duration_ns", $0.durationNs)
            time("exit_time", $0.time)
        }
        objects("longest_lived", longestLived, lifetime)
        objects("shortest_lived", shortestLived, lifetime)
        objects("failures", failures) {
            string("comm", $0.comm.bytes)
            string("status", Array($0.status.utf8))
            number("count", $0.count)
        }
        number("zombie_threshold_ns", zombieThresholdNs)
        number("lingering_zombie_count", lingeringZombieCount)
        objects("lingering_zombies", lingeringZombies) {
            signed("pid", Int64($0.pid))
            string("comm", $0.comm.bytes)
            signed("parent_pid", Int64($0.parentPid))
            key("parent_comm")
            if let comm = $0.parentComm { JSONStringEscaper.appendQuoted(comm.bytes, to: out) } else { out.append("null") }
            number("lingered_ns", $0.lingeredNs)
            key("never_reaped")
            out.append($0.neverReaped ? "true" : "false")
        }
        number("orphans", orphanCount)
        objects("adopters", adopters) {
            signed("pid", Int64($0.pid))
            key("comm")
            if let comm = $0.comm { JSONStringEscaper.appendQuoted(comm.bytes, to: out) } else { out.append("null") }
            number("orphans", $0.orphans)
        }
        number("lost_records", lostRecords)
        number("lost", lostTotal)
        number("lost_unknown", lostUnknownCount)
        number("stop_lost", stopLost)
        number("stop_unwritten", stopUnwritten)
        number("invalid_lines", UInt64(invalidLines))
        key("approximate")
        out.append(isApproximate ? "true" : "false")
        out.append("}\n")
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
