import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct HumanFormatterTests {
    let formatter = HumanFormatter(clock: .utc)

    @Test func printsEveryKindOnOneReadableLine() {
        let lines = EventSamples.everyKind().map { formatter.format($0) }
        #expect(lines == [
            "11:06:40.123 start        proctrace 0.1.0 recording on build-01 (bpf, kernel 6.1.0-18-amd64, schema 1, recorder pid 999, 2026-11-18T11:06:40.123456789Z)",
            "11:06:40.123 exists             1       0 systemd          state S /sbin/init splash (/usr/lib/systemd/systemd) cwd=/",
            "11:06:40.123 exists            77       1 defunct          state Z zombie, exited 3 [unavailable: filename, argv]",
            "11:06:40.123 exists             2       0 kthreadd         kernel thread",
            "11:06:40.123 fork            4243    4242 bash             container=4f3c2b1a09e8",
            "11:06:40.123 exec            4243    4242 ls               ls -l '' 'with space' (/usr/bin/ls) (exec'd by thread 4250) cwd=$'/srv/with space/bad\\edir' tty=pts/3 auid=1000 container=4f3c2b1a09e8",
            "11:06:40.123 exec            4244    4242 xargs            xargs a …(truncated) exe=/usr/bin/xargs cwd=/tmp [unavailable: filename, exe_sha256]",
            "11:06:40.124 exit            4243    4242 ls               exited 42 after 1.0ms",
            "11:06:40.125 exit            4244    4242 xargs            killed by SIGSEGV (core dumped)",
            "11:06:40.126 reap            4243    4242 ls               reaped by 4242 (wait)",
            "11:06:40.127 reap            4244    4242 xargs            (freed)",
            "11:06:40.123 thread_start    4242       1 bash             thread 4260",
            "11:06:40.123 thread_exit     4242       1 bash             thread 4260",
            "11:06:40.123 comm            4242       1 renamed",
            "11:06:40.123 cred            4242       1 bash             uid=0 euid=0 suid=0 gid=0 egid=0 sgid=4294967294",
            "11:06:40.123 session         4242       1 bash             sid=4242 pgid=4242",
            "11:06:40.127 exec_failed     4242       1 bash             failed: ENOENT (2) such $'x\\ny' (/no/such file)",
            "11:06:40.123 reparent        4245       1 orphan           reparented 4242 → 1",
            "11:06:40.128 lost         17 records lost",
            "11:06:40.128 lost         records lost (how many is unknown)",
            "11:06:40.129 resync       312 processes re-read from /proc",
            "11:06:40.129 user         uid 1000 is al\\eice",
            "11:06:40.129 user         uid 4000000 is (no name)",
            "11:06:40.130 alert        high Hostile \"title\"\\n (rule 0d3d4a8e-0000-4000-8000-000000000001) pid 4242, exec seq 7",
            "11:06:40.130 stop         21 records, 17 lost, 2 unwritten",
        ])
    }

    @Test func escapesWhatTheTracedSystemControls() {
        var event = EventSamples.process(.exec, comm: "evil\u{1b}[2J")
        event.argv = ArgumentVector([Array("rm".utf8), Array("a\nb".utf8), [0xff], Array("it's".utf8)])
        event.filename = Array("/bin/rm\u{202e}".utf8)
        let line = formatter.format(event)
        #expect(!line.utf8.contains(0x1b) && !line.utf8.contains(0x0a))
        #expect(line.hasSuffix(#"evil\e[2J        rm $'a\nb' $'\xff' $'it\'s' (/bin/rm\u{202e})"#))
    }

    @Test func coloursOnlyWhenAsked() {
        var exit = EventSamples.process(.exit)
        exit.exitStatus = WaitStatus(signal: 9)
        #expect(!formatter.format(exit).contains("\u{1b}"))
        let coloured = HumanFormatter(clock: .utc, useColor: true).format(exit)
        #expect(coloured.contains("\u{1b}[31mexit        \u{1b}[0m"))
        #expect(coloured.hasSuffix("killed by SIGKILL"))
    }

    @Test(arguments: [
        (UInt64(999), "0µs"), (45_000, "45µs"), (12_345_678, "12.3ms"), (2_500_000_000, "2.500s"),
        (187_000_000_000, "3m07s"), (7_500_000_000_000, "2h05m"),
    ])
    func durationsReadNaturally(nanoseconds: UInt64, text: String) {
        #expect(DurationText.format(nanoseconds: nanoseconds) == text)
    }
}
