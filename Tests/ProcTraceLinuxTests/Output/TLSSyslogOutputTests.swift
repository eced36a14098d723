import Foundation
import Testing

/// `record --output syslog+tls://…` against Debian's real rsyslog with
/// rsyslog-gnutls (imtcp, gtls driver, x509/name: it checks the recorder's
/// certificate too), with certificates the test makes with the openssl CLI:
/// a CA, the collector's (localhost, 127.0.0.1), the recorder's, one for
/// another name, an expired one, and another CA.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct TLSSyslogOutputTests {
    static let preamble = """
        set -e
        PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        mkdir -p "$D/work" "$D/pki/ca.d"
        cd "$D/pki"
        umask 077
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3 \\
            -subj "/CN=proctrace test CA" 2>/dev/null
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key -out other-ca.pem \\
            -days 3 -subj "/CN=another CA" 2>/dev/null
        : > ca.d/index.txt; echo 1000 > ca.d/serial
        printf '[ca]\\ndefault_ca=test\\n[test]\\ndatabase=ca.d/index.txt\\nnew_certs_dir=ca.d\\nserial=ca.d/serial\\n' > ca.cnf
        printf 'default_md=sha256\\npolicy=any\\nunique_subject=no\\n[any]\\ncommonName=supplied\\n' >> ca.cnf
        # leaf NAME CN SAN START END: a certificate of the test CA, valid from START to END (openssl ca dates).
        leaf() {
            openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr \\
                -subj "/CN=$2" 2>/dev/null
            printf 'subjectAltName=%s\\nextendedKeyUsage=serverAuth,clientAuth\\n' "$3" > $1.ext
            openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in $1.csr -out $1.pem -notext \\
                -startdate $4 -enddate $5 -extfile $1.ext 2>>ca.err
        }
        NOW=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ); LATER=$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)
        leaf server collector.test "DNS:localhost,IP:127.0.0.1" $NOW $LATER
        leaf elsewhere elsewhere.test "DNS:elsewhere.test" $NOW $LATER
        leaf expired collector.test "DNS:localhost,IP:127.0.0.1" 20200101000000Z 20200102000000Z
        leaf recorder recorder.test "DNS:recorder.test" $NOW $LATER
        umask 022
        cd "$D"
        # configure tls|tcp [SERVER]: imtcp with TLS and the collector certificate SERVER (default: server).
        configure() {
            if [ "$1" = tls ]; then
                TLSGLOBAL="DefaultNetstreamDriver=\\"gtls\\" DefaultNetstreamDriverCAFile=\\"$D/pki/ca.pem\\""
                TLSGLOBAL="$TLSGLOBAL DefaultNetstreamDriverCertFile=\\"$D/pki/${2:-server}.pem\\""
                TLSGLOBAL="$TLSGLOBAL DefaultNetstreamDriverKeyFile=\\"$D/pki/${2:-server}.key\\""
                TLSMODULE='StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/name" PermittedPeer=["recorder.test"]'
            else
                TLSGLOBAL=""; TLSMODULE=""
            fi
            cat > "$D/rsyslog.conf" <<CONF
        global(workDirectory="$D/work" maxMessageSize="1m" $TLSGLOBAL)
        module(load="imtcp" $TLSMODULE)
        template(name="raw" type="string" string="%rawmsg%\\n")
        ruleset(name="proctrace") { action(type="omfile" file="$D/received.log" template="raw") }
        input(type="imtcp" address="127.0.0.1" port="$PORT" ruleset="proctrace")
        CONF
        }
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
        TLS="--tls-ca $D/pki/ca.pem --tls-cert $D/pki/recorder.pem --tls-key $D/pki/recorder.key"

        """

    static func text(_ directory: URL, _ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
    }

    static func received(_ directory: URL) -> [String] {
        (try? SyslogOutputTests.receivedLines(directory)) ?? []
    }

    static func lines(_ directory: URL, _ name: String) -> [String] {
        text(directory, name).split(separator: "\n").map(String.init)
    }

    /// The collector is down when the recorder starts and restarts in the middle of the stream
    /// (3 s away, as in issue 28): with mutual TLS and a spool, every record arrives.
    @Test(arguments: ["tls", "tcp"])
    func everyRecordArrivesThroughACollectorDownAtStartAndRestarted(scheme: String) throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.preamble + """
            configure \(scheme)
            [ \(scheme) = tls ] || TLS=""
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" \\
                -o syslog+\(scheme)://127.0.0.1:$PORT $TLS --spool "$D/spool" 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            for i in $(seq 100); do /bin/true early-$i; done
            sleep 1
            start_rsyslog
            # 900 execs, paced over about 3 s; the collector is away for 3 s from the first second.
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
        let recordErrors = Self.text(directory, "record.err")
        #expect(result.status == 0, "\(result.errors) \(recordErrors) \(Self.text(directory, "rsyslog.err"))")
        #expect(!result.errors.contains("record exited"), "\(result.errors) \(recordErrors)")
        #expect(recordErrors.contains("records wait and are sent when it is back"), "\(recordErrors)")
        let written = Self.lines(directory, "events.jsonl")
        let received = Self.received(directory)
        let receivedSet = Set(received)
        let missing = written.filter { !receivedSet.contains($0) }
        #expect(written.filter { $0.contains("storm-") && $0.contains("\"event\":\"exec\"") }.count == 900)
        #expect(missing.isEmpty, "\(missing.count) of \(written.count) records never reached rsyslog: \(missing.prefix(2))")
        #expect(Set(written).isSuperset(of: receivedSet), "rsyslog holds only records the file has")
        let execs = received.filter { $0.contains("storm-") && $0.contains("\"event\":\"exec\"") }
        print("syslog+\(scheme) outage: \(written.count) records written, \(received.count) received, "
            + "\(received.count - receivedSet.count) duplicates; of 900 storm execs \(execs.count - Set(execs).count) twice")
    }

    /// What the collector must not get: a record over a session whose certificate was refused.
    @Test(arguments: [
        ("server", "other-ca.pem", "127.0.0.1", "unable to get local issuer certificate (/CN=collector.test"),
        ("elsewhere", "ca.pem", "127.0.0.1", "IP address mismatch (/CN=elsewhere.test"),
        ("elsewhere", "ca.pem", "localhost", "hostname mismatch (/CN=elsewhere.test"),
        ("expired", "ca.pem", "127.0.0.1", "certificate has expired (/CN=collector.test, valid Jan  1 00:00:00 2020 GMT"),
    ])
    func aRefusedCertificateGetsNoRecordAndIsNamed(server: String, ca: String, host: String, reason: String) throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.preamble + """
            configure tls \(server)
            start_rsyslog
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" \\
                -o syslog+tls://\(host):$PORT --tls-ca "$D/pki/\(ca)" --tls-cert "$D/pki/recorder.pem" \\
                --tls-key "$D/pki/recorder.key" 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            for i in $(seq 20); do /bin/true refused-$i; done
            sleep 2
            kill -INT $P; STATUS=0; wait $P || STATUS=$?; P=""; echo "record exited $STATUS"
            stop_rsyslog
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let recordErrors = Self.text(directory, "record.err")
        #expect(result.status == 0, "\(result.errors) \(recordErrors)")
        #expect(recordErrors.contains("refusing the server's certificate: \(reason)"), "\(recordErrors)")
        let refusal = recordErrors.split(separator: "\n").first { $0.contains("refusing the server's certificate") }
        #expect(refusal.map { !$0.contains("\n") && $0.count < 400 } == true, "one line: \(refusal ?? "")")
        #expect(Self.received(directory).isEmpty, "rsyslog got records: \(Self.received(directory).prefix(2))")
        // Undelivered records are lost (no spool): the exit status says so.
        #expect(result.output.contains("record exited 1"), "\(result.output)")
    }

    /// A collector that checks clients (x509/name) takes nothing from a recorder without a certificate.
    @Test func aCollectorCheckingClientsTakesNothingWithoutACertificate() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.preamble + """
            configure tls
            start_rsyslog
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" \\
                -o syslog+tls://127.0.0.1:$PORT --tls-ca "$D/pki/ca.pem" --spool "$D/spool" 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            for i in $(seq 20); do /bin/true anonymous-$i; done
            sleep 2.5
            kill -INT $P; wait $P || true; P=""
            stop_rsyslog
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let recordErrors = Self.text(directory, "record.err")
        #expect(result.status == 0, "\(result.errors) \(recordErrors)")
        #expect(Self.received(directory).isEmpty, "rsyslog got records: \(Self.received(directory).prefix(2))")
        // Kept for the next run, none counted as delivered.
        #expect(recordErrors.contains("0 records delivered") && recordErrors.contains("still waiting in the spool"), "\(recordErrors)")
    }

    /// Accepts connections on argv[1] until the file argv[3] exists (60 s at most) and writes every
    /// byte they sent to argv[2]; answers nothing.
    static let listener = """
        import os, socket, sys, time
        s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); s.settimeout(0.2)
        got, end, conns = b"", time.time() + 60, []
        while time.time() < end and not os.path.exists(sys.argv[3]):
            try: conns.append(s.accept()[0])
            except socket.timeout: pass
            for c in conns:
                c.setblocking(False)
                try: got += c.recv(65536)
                except BlockingIOError: pass
        open(sys.argv[2], "wb").write(got)
        """

    /// Never clear text: a listener that answers nothing gets a TLS ClientHello and no record.
    @Test func aListenerThatIsNoTLSServerSeesNoRecord() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(Self.preamble + """
            python3 -c "$LISTENER" $PORT "$D/wire.bin" "$D/done" & L=$!
            sleep 0.3
            "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/events.jsonl" \\
                -o syslog+tls://127.0.0.1:$PORT $TLS 2>"$D/record.err" & P=$!
            wait_started "$D/events.jsonl"
            for i in $(seq 20); do /bin/true cleartext-$i; done
            sleep 1
            kill -INT $P; wait $P || true; P=""
            touch "$D/done"
            wait $L
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace, "LISTENER": Self.listener], in: directory)
        #expect(result.status == 0, "\(result.errors) \(Self.text(directory, "record.err"))")
        let wire = try Data(contentsOf: directory.appendingPathComponent("wire.bin"))
        // 0x16 0x03: a TLS handshake record (the ClientHello).
        #expect(wire.count > 5 && wire[0] == 0x16 && wire[1] == 0x03, "\(wire.prefix(16).map { $0 })")
        #expect(wire.range(of: Data("cleartext-".utf8)) == nil && wire.range(of: Data("\"event\"".utf8)) == nil)
    }
}
