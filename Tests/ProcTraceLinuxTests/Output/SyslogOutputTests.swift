import Foundation
import Testing

/// `record --output syslog+tcp://…` against Debian's real rsyslog on
/// loopback (its own config, pid file and output file, started by the test).
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct SyslogOutputTests {
    /// rsyslog with imtcp on a free port, writing each message's raw form (without the octet count).
    static let rsyslog = """
        set -e
        PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        mkdir -p "$D/work"
        cat > "$D/rsyslog.conf" <<CONF
        global(workDirectory="$D/work" maxMessageSize="1m")
        module(load="imtcp")
        template(name="raw" type="string" string="%rawmsg%\\n")
        ruleset(name="proctrace") { action(type="omfile" file="$D/received.log" template="raw") }
        input(type="imtcp" address="127.0.0.1" port="$PORT" ruleset="proctrace")
        CONF
        start_rsyslog() {
            rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslog.pid" 2>>"$D/rsyslog.err" & R=$!
            for i in $(seq 100); do
                python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()" 2>/dev/null && return 0
                sleep 0.1
            done
            echo "rsyslog did not listen" >&2; return 1
        }
        stop_rsyslog() { kill -TERM $R; wait $R || true; R=""; }
        R=""; P=""
        # Whatever fails, nothing started here outlives the script.
        trap '[ -n "$P" ] && kill -KILL $P 2>/dev/null; [ -n "$R" ] && kill -KILL $R 2>/dev/null; true' EXIT
        wait_started() {
            for i in $(seq 200); do grep -q '"event":"start"' "$1" 2>/dev/null && return 0; sleep 0.05; done
            echo "record did not start" >&2; return 1
        }
        storm() { for i in $(seq $1); do /bin/true; done; }

        """

    /// The JSON line of each message rsyslog wrote: `<30>1 TIME HOST proctrace PID EVENT SD JSON`.
    static func receivedLines(_ directory: URL) throws -> [String] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("received.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("<30>1 "), let brace = line.firstIndex(of: "{") else { return nil }
            return String(line[brace...])
        }
    }

    /// The PROCID of each message rsyslog wrote, in order.
    static func receivedProcessIDs(_ directory: URL) throws -> [String] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("received.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5)
            return line.hasPrefix("<30>1 ") && fields.count > 4 ? String(fields[4]) : nil
        }
    }

    /// The `recorder_pid` of a `start` line.
    static func recorderPid(_ line: String) -> String? {
        guard let range = line.range(of: "\"recorder_pid\":") else { return nil }
        return String(line[range.upperBound...].prefix { $0.isNumber })
    }

    static func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Read from the line's head, as the encoder writes it (a hostile record elsewhere on the
    /// machine may hold escapes JSONSerialization refuses).
    static func seq(_ line: String) -> Int? {
        guard line.hasPrefix("{\"seq\":") else { return nil }
        return Int(line.dropFirst(7).prefix { $0.isNumber })
    }

    @Test func everyRecordOfAForkStormArrivesThroughAnRsyslogOutage() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.rsyslog + """
            start_rsyslog
            "$PROCTRACE" record --config /dev/null -o "$D/events.jsonl" -o syslog+tcp://127.0.0.1:$PORT \\
                --spool "$D/spool" 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            storm 300 & S=$!
            sleep 0.5
            stop_rsyslog
            echo "outage from seq $(tail -n1 "$D/events.jsonl" | cut -c1-20)" >&2
            sleep 4
            start_rsyslog
            wait $S
            storm 200
            sleep 1
            kill -INT $P; wait $P || echo "record exited $?" >&2; P=""
            sleep 0.5
            stop_rsyslog
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let recordErrors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        #expect(result.status == 0, "\(result.errors) \(recordErrors)")
        #expect(!result.errors.contains("record exited"), "\(result.errors) \(recordErrors)")
        #expect(recordErrors.contains("records wait and are sent when it is back"), "\(recordErrors)")

        let written = try Self.lines(directory.appendingPathComponent("events.jsonl"))
        let received = try Self.receivedLines(directory)
        #expect(written.count > 1000)
        let receivedSet = Set(received)
        let missing = written.filter { !receivedSet.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(written.count) records never reached rsyslog: \(missing.prefix(3))")
        // At least once: a repeat is the same line, so the same seq.
        #expect(receivedSet.count == Set(received.compactMap(Self.seq)).count, "a seq stands for one record")
        #expect(Set(written).isSuperset(of: receivedSet), "rsyslog holds only records the file has")
        print("syslog outage: \(written.count) records written, \(received.count) received, "
            + "\(received.count - receivedSet.count) duplicates, \(missing.count) missing")
    }

    @Test func aRestartedRecorderSendsWhatTheSpoolHeld() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.rsyslog + """
            "$PROCTRACE" record --config /dev/null -o "$D/first.jsonl" -o syslog+tcp://127.0.0.1:$PORT \\
                --spool "$D/spool" 2>"$D/first.err" & P=$!
            wait_started "$D/first.jsonl"
            storm 100
            sleep 0.5
            kill -INT $P; wait $P || echo "first record exited $?" >&2; P=""
            ls "$D/spool"/*/ | grep -q spool || { echo "nothing spooled" >&2; exit 1; }
            start_rsyslog
            "$PROCTRACE" record --config /dev/null -o "$D/second.jsonl" -o syslog+tcp://127.0.0.1:$PORT \\
                --spool "$D/spool" 2>"$D/second.err" & P=$!
            wait_started "$D/second.jsonl"
            storm 20
            sleep 1.5
            kill -INT $P; wait $P || echo "second record exited $?" >&2; P=""
            sleep 0.5
            stop_rsyslog
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let errors = ["first.err", "second.err"].map {
            (try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) ?? ""
        }
        #expect(result.status == 0, "\(result.errors) \(errors)")
        #expect(errors[0].contains("still waiting in the spool"), "\(errors[0])")
        #expect(errors[1].contains("from an earlier run wait in"), "\(errors[1])")
        let first = try Self.lines(directory.appendingPathComponent("first.jsonl"))
        let second = try Self.lines(directory.appendingPathComponent("second.jsonl"))
        let received = try Self.receivedLines(directory)
        #expect(first.count > 300)
        // The first run's records come first, in order, then the second run's.
        #expect(received == first + second, "received \(received.count), wrote \(first.count) + \(second.count)")
        // Each message's PROCID is the recorder that captured it, not the one that sent it.
        let pids = try Self.receivedProcessIDs(directory)
        let recorders = [first, second].map { lines in lines.first.flatMap(Self.recorderPid) ?? "?" }
        #expect(pids == Array(repeating: recorders[0], count: first.count) + Array(repeating: recorders[1], count: second.count),
                "PROCIDs \(Set(pids)) for recorders \(recorders)")
        print("syslog restart: \(first.count) spooled by the first run, \(second.count) by the second, \(received.count) received")
    }

    @Test func anOverflowingSpoolLosesOnlyWhatItCountsAndSaysSo() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.rsyslog + """
            # Only this script's processes: suites running beside it would keep the 64K spool full for ever.
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o syslog+tcp://127.0.0.1:$PORT \\
                --spool "$D/spool" --spool-size 64K 2>"$D/record.err" & P=$!
            for i in $(seq 200); do [ -s "$D/spool"/*/0000000000000001.spool ] 2>/dev/null && break; sleep 0.05; done
            sleep 1
            storm 300
            start_rsyslog
            storm 10
            # The sender tries again after a backoff of up to 2 s: wait until it is back, then for the backlog.
            for i in $(seq 200); do [ -s "$D/received.log" ] && break; sleep 0.05; done
            sleep 2
            kill -INT $P; STATUS=0; wait $P || STATUS=$?; P=""; echo "record exited $STATUS"
            sleep 0.5
            stop_rsyslog
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let recordErrors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        #expect(result.status == 0, "\(result.errors) \(recordErrors)")
        // Records were lost: the exit status says so.
        #expect(result.output.contains("record exited 1"), "\(result.output) \(recordErrors)")
        let raw = ((try? String(contentsOf: directory.appendingPathComponent("received.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n")
        let announced = raw.compactMap { line -> Int? in
            guard let range = line.range(of: "[proctrace@32473 dropped=\"") else { return nil }
            return Int(line[range.upperBound...].prefix { $0.isNumber })
        }.reduce(0, +)
        let received = try Self.receivedLines(directory)
        let records = received.compactMap { LiveRecording.object($0) }
        let stop = try #require(records.last { $0["event"] as? String == "stop" }, "the stop record arrived")
        let unwritten = try #require(stop["unwritten"] as? Int)
        let lastSeq = try #require(stop["seq"] as? Int)
        let seqs = Set(received.compactMap(Self.seq))
        #expect(unwritten > 0, "the storm overflowed 64K")
        #expect(announced == unwritten, "the delivered records say how many were dropped")
        // Every seq up to stop either arrived or is counted as dropped: no silent loss.
        #expect(seqs.count + unwritten == lastSeq, "received \(seqs.count), dropped \(unwritten), last seq \(lastSeq)")
        #expect(recordErrors.contains("dropped"), "\(recordErrors)")
        print("syslog overflow: \(lastSeq) records, \(seqs.count) received, \(unwritten) dropped and announced \(announced)")
    }

    /// syslog+udp:// and syslog+unix:// (datagrams, no delivery guarantee) against the same
    /// real rsyslog: imudp on a free port and imuxsock on a socket of the test's, each into
    /// its own file. A small workload at an easy pace on loopback: every record arrives.
    @Test func datagramOutputsReachRsyslogOverUDPAndAUnixSocket() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run("""
            set -e
            UDP=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
            mkdir -p "$D/work"
            cat > "$D/rsyslog.conf" <<CONF
            global(workDirectory="$D/work" maxMessageSize="1m")
            module(load="imudp")
            module(load="imuxsock" SysSock.Use="off")
            template(name="raw" type="string" string="%rawmsg%\\n")
            ruleset(name="udp") { action(type="omfile" file="$D/udp.log" template="raw") }
            ruleset(name="unix") { action(type="omfile" file="$D/unix.log" template="raw") }
            input(type="imudp" address="127.0.0.1" port="$UDP" ruleset="udp")
            input(type="imuxsock" Socket="$D/log.sock" ruleset="unix" RateLimit.Interval="0")
            CONF
            R=""; P=""
            trap '[ -n "$P" ] && kill -KILL $P 2>/dev/null; [ -n "$R" ] && kill -KILL $R 2>/dev/null; true' EXIT
            rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslog.pid" 2>>"$D/rsyslog.err" & R=$!
            for i in $(seq 100); do [ -S "$D/log.sock" ] && break; sleep 0.1; done
            [ -S "$D/log.sock" ] || { echo "rsyslog made no socket" >&2; exit 1; }
            sleep 0.5
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" \\
                -o syslog+udp://127.0.0.1:$UDP -o "syslog+unix://$D/log.sock" 2>"$D/record.err" & P=$!
            for i in $(seq 200); do grep -q '"event":"start"' "$D/events.jsonl" 2>/dev/null && break; sleep 0.05; done
            for i in $(seq 20); do /bin/true marker-$i; sleep 0.02; done
            sleep 1
            kill -INT $P; wait $P || echo "record exited $?" >&2; P=""
            sleep 1
            kill -TERM $R; wait $R || true; R=""
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let recordErrors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        #expect(result.status == 0, "\(result.errors) \(recordErrors)")
        #expect(!result.errors.contains("record exited"), "\(result.errors) \(recordErrors)")
        let written = try Self.lines(directory.appendingPathComponent("events.jsonl"))
        let execs = written.filter { $0.contains("\"event\":\"exec\"") && $0.contains("marker-") }
        #expect(execs.count == 20, "\(execs.count) marker execs in the file")
        for file in ["udp.log", "unix.log"] {
            let text = (try? String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)) ?? ""
            let received = text.split(separator: "\n").compactMap { line -> String? in
                guard line.contains(" proctrace "), let brace = line.firstIndex(of: "{") else { return nil }
                return String(line[brace...])
            }
            #expect(received == written, "\(file): \(received.count) received of \(written.count) written")
            #expect(text.contains(" exec "), "\(file): MSGID is the event name")
        }
    }
}
