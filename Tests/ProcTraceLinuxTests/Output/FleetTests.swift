import Foundation
import Testing

/// Issue 28's fleet in one machine: a central rsyslog (rsyslog-gnutls,
/// x509/name) in a network namespace of its own, three recorders as three
/// hosts (each in its own network and UTS namespace, host1…host3, linked to
/// the collector by a veth pair) sending over syslog+tls:// with mutual TLS
/// and a spool; the collector is away 3 s in the middle. Its per-host files
/// are read back with `proctrace stats` and `tree --from`.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct FleetTests {
    @Test func threeHostsReachOneCollectorOverTLSThroughAnOutage() throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Shell.run(TLSSyslogOutputTests.preamble + """
            N=pt$$
            cleanup() {
                [ -n "$R" ] && kill -KILL $R 2>/dev/null
                for i in 1 2 3; do ip netns del $N-h$i 2>/dev/null; done
                ip netns del $N-c 2>/dev/null; true
            }
            trap cleanup EXIT
            cd "$D/pki"; umask 077
            leaf collector collector.test "DNS:collector.test,IP:10.77.1.1,IP:10.77.2.1,IP:10.77.3.1" $NOW $LATER
            umask 022; cd "$D"
            ip netns add $N-c
            ip -n $N-c link set lo up
            for i in 1 2 3; do
                ip netns add $N-h$i
                ip -n $N-h$i link set lo up
                ip link add $N-h$i-c netns $N-c type veth peer name eth0 netns $N-h$i
                ip -n $N-c addr add 10.77.$i.1/30 dev $N-h$i-c; ip -n $N-c link set $N-h$i-c up
                ip -n $N-h$i addr add 10.77.$i.2/30 dev eth0; ip -n $N-h$i link set eth0 up
            done
            configure tls collector
            sed -i -e 's/address="127.0.0.1" //' \\
                -e 's|action(type="omfile" file="[^"]*" template="raw")|action(type="omfile" dynaFile="perhost" template="raw")|' \\
                "$D/rsyslog.conf"
            echo "template(name=\\"perhost\\" type=\\"string\\" string=\\"$D/fleet/%hostname%.log\\")" > "$D/head.conf"
            cat "$D/head.conf" "$D/rsyslog.conf" > "$D/rsyslog.conf.new"; mv "$D/rsyslog.conf.new" "$D/rsyslog.conf"
            sed -i 's/PermittedPeer=\\["recorder.test"\\]/PermittedPeer=["host1.test","host2.test","host3.test"]/' "$D/rsyslog.conf"
            mkdir -p "$D/fleet"
            collector() {
                ip netns exec $N-c rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslog.pid" 2>>"$D/rsyslog.err" & R=$!
                for i in $(seq 100); do
                    ip netns exec $N-c python3 -c "import socket; socket.create_connection(('10.77.1.1', $PORT)).close()" 2>/dev/null && return 0
                    sleep 0.1
                done
                echo "the collector did not listen" >&2; return 1
            }
            cd "$D/pki"; umask 077
            for i in 1 2 3; do leaf host$i host$i.test "DNS:host$i.test" $NOW $LATER; done
            umask 022; cd "$D"
            collector
            for i in 1 2 3; do
                ip netns exec $N-h$i unshare --uts sh -c '
                    hostname host$0
                    "$PROCTRACE" record --config /dev/null --pid $$ --descendants -o "$D/host$0.jsonl" \\
                        -o syslog+tls://10.77.$0.1:$1 --tls-ca "$D/pki/ca.pem" --tls-cert "$D/pki/host$0.pem" \\
                        --tls-key "$D/pki/host$0.key" --spool "$D/spool$0" 2>"$D/host$0.err" & P=$!
                    for j in $(seq 200); do grep -q "\\"event\\":\\"start\\"" "$D/host$0.jsonl" 2>/dev/null && break; sleep 0.05; done
                    sleep 3$0 & S=$!
                    for j in $(seq 600); do [ -e "$D/go" ] && break; sleep 0.05; done
                    for j in $(seq 300); do /bin/true host$0-$j; [ $((j % 20)) -eq 0 ] && sleep 0.2; done
                    # The stop waits for the collector to be back: under the load of the suite its restart took
                    # longer than this workload and the 5 s grace of the stop (the spool kept 3/4 of the records).
                    for j in $(seq 600); do [ -e "$D/back" ] && break; sleep 0.05; done
                    sleep 2
                    kill -INT $P; wait $P || echo "host$0: record exited $?" >&2
                    kill $S
                ' $i $PORT & eval H$i=\\$!
            done
            # The workloads start together once every host's start reached the collector; it goes away 1 s later.
            for i in $(seq 600); do
                [ $(cat "$D"/fleet/host[123].log 2>/dev/null | grep -c '"event":"start"') -ge 3 ] && break; sleep 0.05
            done
            touch "$D/go"
            sleep 1
            kill -TERM $R; wait $R || true; R=""
            sleep 3
            collector
            touch "$D/back"
            wait $H1 $H2 $H3
            sleep 1
            kill -TERM $R; wait $R || true; R=""
            for i in 1 2 3; do
                sed 's/^[^{]*{/{/' "$D/fleet/host$i.log" > "$D/central$i.jsonl"
                awk '!seen[$0]++' "$D/central$i.jsonl" > "$D/unique$i.jsonl"
                "$PROCTRACE" stats --json "$D/central$i.jsonl" > "$D/stats$i.json" 2>"$D/stats$i.err"
                "$PROCTRACE" tree --args --from "$D/unique$i.jsonl" > "$D/tree$i.txt"
            done
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let errors = (1...3).map { TLSSyslogOutputTests.text(directory, "host\($0).err") }
        #expect(result.status == 0, "\(result.errors) \(errors) \(TLSSyslogOutputTests.text(directory, "rsyslog.err"))")
        #expect(!result.errors.contains("record exited"), "\(result.errors)")
        for host in 1...3 {
            let written = TLSSyslogOutputTests.lines(directory, "host\(host).jsonl")
            let central = TLSSyslogOutputTests.lines(directory, "central\(host).jsonl")
            let unique = TLSSyslogOutputTests.lines(directory, "unique\(host).jsonl")
            // Every record of the host, in its order, once each it was not resent; nothing of another host.
            #expect(unique == written, "host\(host): \(unique.count) distinct records at the collector, \(written.count) written")
            #expect(written.first?.contains("\"host\":\"host\(host)\"") == true, "\(written.first ?? "")")
            #expect(written.filter { $0.contains("\"event\":\"exec\"") && $0.contains("host\(host)-") }.count == 300)
            #expect(errors[host - 1].contains("records wait and are sent when it is back"), "host\(host): \(errors[host - 1])")
            let stats = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("stats\(host).json")))
            let records = (stats as? [String: Any])?["records"] as? Int
            #expect(records == central.count, "host\(host): stats read \(records ?? -1) of \(central.count) lines")
            let tree = TLSSyslogOutputTests.text(directory, "tree\(host).txt")
            #expect(tree.contains("sleep 3\(host)") && !(1...3).filter { $0 != host }.contains { tree.contains("sleep 3\($0)") },
                    "host\(host)'s tree: \(tree)")
            print("fleet host\(host): \(written.count) records written, \(central.count) at the collector, "
                + "\(central.count - unique.count) duplicates")
        }
    }
}
