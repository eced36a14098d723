import Foundation
import ProcTraceCore
import Testing
@testable import ProcTraceLinux

/// `record --output relp://…` against Debian's real rsyslog with
/// rsyslog-relp (imrelp), down at start and away 3 s mid-stream.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RELPOutputTests {
    static let preamble = """
        set -e
        PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        mkdir -p "$D/work"
        cat > "$D/rsyslog.conf" <<CONF
        global(workDirectory="$D/work" maxMessageSize="1m")
        module(load="imrelp")
        template(name="raw" type="string" string="%rawmsg%\\n")
        ruleset(name="proctrace") { action(type="omfile" file="$D/received.log" template="raw") }
        input(type="imrelp" address="127.0.0.1" port="$PORT" ruleset="proctrace" MaxDataSize="1m")
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
        trap '[ -n "$P" ] && kill -KILL $P 2>/dev/null; [ -n "$R" ] && kill -KILL $R 2>/dev/null; true' EXIT
        wait_started() {
            for i in $(seq 200); do grep -q '"event":"start"' "$1" 2>/dev/null && return 0; sleep 0.05; done
            echo "record did not start" >&2; return 1
        }

        """

    /// Every record arrives, and only what the collector never answered is sent twice: at most
    /// a window, far fewer than the second of records TCP resends after a break (about a thousand here).
    @Test func anOutageResendsOnlyWhatTheCollectorNeverAnswered() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.preamble + """
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" \\
                -o relp://127.0.0.1:$PORT --spool "$D/spool" 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            for i in $(seq 100); do /bin/true early-$i; done
            sleep 1
            start_rsyslog
            (for i in $(seq 900); do /bin/true storm-$i; [ $((i % 30)) -eq 0 ] && sleep 0.1; done; true) & S=$!
            sleep 1
            stop_rsyslog
            sleep 3
            start_rsyslog
            wait $S
            sleep 3
            kill -INT $P; wait $P || echo "record exited $?" >&2; P=""
            sleep 0.5
            stop_rsyslog
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let recordErrors = TLSSyslogOutputTests.text(directory, "record.err")
        #expect(result.status == 0, "\(result.errors) \(recordErrors) \(TLSSyslogOutputTests.text(directory, "rsyslog.err"))")
        #expect(!result.errors.contains("record exited"), "\(result.errors) \(recordErrors)")
        #expect(recordErrors.contains("records wait and are sent when it is back"), "\(recordErrors)")
        let written = TLSSyslogOutputTests.lines(directory, "events.jsonl")
        let received = TLSSyslogOutputTests.received(directory)
        let receivedSet = Set(received)
        let missing = written.filter { !receivedSet.contains($0) }
        #expect(written.filter { $0.contains("storm-") && $0.contains("\"event\":\"exec\"") }.count == 900)
        #expect(missing.isEmpty, "\(missing.count) of \(written.count) records never reached rsyslog: \(missing.prefix(2))")
        #expect(Set(written).isSuperset(of: receivedSet))
        let duplicates = received.count - receivedSet.count
        // One break: at most the window it had out (a loaded rsyslog answers late, so how many is timing).
        #expect(duplicates <= RELPTransport.window, "\(duplicates) records arrived twice")
        let execs = received.filter { $0.contains("storm-") && $0.contains("\"event\":\"exec\"") }
        print("relp outage: \(written.count) records written, \(received.count) received, \(duplicates) duplicates; "
            + "of 900 storm execs \(execs.count - Set(execs).count) twice")
    }

    /// A collector that hangs (SIGSTOP: its kernel still takes bytes) and then dies (SIGKILL)
    /// answered none of what was sent meanwhile: all of it is sent again, none is lost.
    @Test func whatAHungCollectorNeverAnsweredIsSentAgain() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.preamble + """
            start_rsyslog
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" \\
                -o relp://127.0.0.1:$PORT --spool "$D/spool" 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            for i in $(seq 100); do grep -q '"event":"start"' "$D/received.log" 2>/dev/null && break; sleep 0.1; done
            kill -STOP $R
            for i in $(seq 100); do /bin/true hung-$i; done
            sleep 3
            kill -KILL $R; wait $R || true; R=""
            start_rsyslog
            sleep 4
            kill -INT $P; wait $P || echo "record exited $?" >&2; P=""
            sleep 0.5
            stop_rsyslog
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let recordErrors = TLSSyslogOutputTests.text(directory, "record.err")
        #expect(result.status == 0, "\(result.errors) \(recordErrors)")
        #expect(!result.errors.contains("record exited"), "\(result.errors) \(recordErrors)")
        let written = TLSSyslogOutputTests.lines(directory, "events.jsonl")
        let received = Set(TLSSyslogOutputTests.received(directory))
        let missing = written.filter { !received.contains($0) }
        #expect(written.filter { $0.contains("hung-") && $0.contains("\"event\":\"exec\"") }.count == 100)
        #expect(missing.isEmpty, "\(missing.count) of \(written.count) records lost with the collector: \(missing.prefix(2))")
    }

    /// A collector that takes every byte and answers nothing gets one window of
    /// messages, not as many as its socket holds: a break resends at most that.
    @Test func noMoreThanAWindowGoesUnanswered() throws {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = ["-c", """
            import socket
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); print(s.getsockname()[1], flush=True)
            c, _ = s.accept(); data = b""
            while b"\\n" not in data: data += c.recv(65536)
            c.sendall(b"1 rsp 6 200 OK\\n"); c.settimeout(3)
            try:
                while True:
                    more = c.recv(65536)
                    if not more: break
                    data += more
            except socket.timeout: pass
            print(data.count(b" syslog "), flush=True)
            """]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        let port = try #require(readLine(output.fileHandleForReading).flatMap { UInt16($0) })

        let transport = RELPTransport(host: "127.0.0.1", port: port, hostName: "h")
        let deadline = Deadline()
        try transport.connect(until: deadline)
        deadline.bringForward(to: Clock.monotonicNanoseconds + 1_000_000_000)
        let line = Array(#"{"seq":1,"event":"exec"}"#.utf8)
        var sent = 0
        do {
            for _ in 0..<400 {
                try line.withUnsafeBytes { bytes in
                    try transport.send(OutgoingRecord(line: bytes, event: nil, droppedBefore: 0, recorderPid: nil), until: deadline)
                }
                sent += 1
            }
        } catch {
            #expect("\(error)".contains("answered nothing more within the stop's grace"), "\(error)")
        }
        transport.disconnect()
        #expect(sent == RELPTransport.window)
        #expect(readLine(output.fileHandleForReading) == "\(RELPTransport.window)", "messages the collector got")
        server.waitUntilExit()
    }

    private func readLine(_ handle: FileHandle) -> String? {
        var line: [UInt8] = []
        while let byte = try? handle.read(upToCount: 1)?.first, byte != 0x0a { line.append(byte) }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }

    @Test func framesAreReadWhole() {
        let answer = Array("3 rsp 6 200 OK\n0 serverclose 0\n".utf8)
        #expect(RELPFrame.parse(answer, limit: 1024) == .frame(transaction: 3, command: "rsp", data: Array("200 OK".utf8), length: 15))
        #expect(RELPFrame.parse(Array(answer[15...]), limit: 1024) == .frame(transaction: 0, command: "serverclose", data: [], length: 16))
        for cut in 1..<15 { #expect(RELPFrame.parse(Array(answer[..<cut]), limit: 1024) == .incomplete, "\(cut)") }
        #expect(RELPFrame.parse([], limit: 1024) == nil)
        #expect(RELPFrame.parse(Array("x rsp 0\n".utf8), limit: 1024) == .malformed("transaction"))
        #expect(RELPFrame.parse(Array("1 rsp 6 200 OKX".utf8), limit: 1024) == .malformed("trailer"))
        #expect(RELPFrame.parse(Array("1 rsp 99999 ".utf8), limit: 1024) == .malformed("length"))
    }
}
