@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct LogStatisticsTests {
    private func report(_ path: String, zombieThreshold: UInt64 = 5_000_000_000) throws -> StatisticsReport {
        let reader = try FixtureLog(path: path)
        let replayer = LogReplayer()
        let statistics = LogStatistics(zombieThresholdNs: zombieThreshold)
        while var event = try reader.next() {
            _ = replayer.process(&event)
            statistics.add(event, tree: replayer.tree)
        }
        return statistics.finish()
    }

    @Test func summarisesTheFixtureLogExactly() throws {
        let text = try report(Fixtures.path("build.jsonl")).text(clock: .utc)
        #expect(text == """
            18 records from 2026-11-18T11:06:40.000000000Z to 2026-11-18T11:06:49.700000000Z (9.700s)

            Records by event
              start                 1
              exists                2
              fork                  3
              exec                  3
              exit                  3
              reap                  3
              reparent              1
              lost                  1
              stop                  1

            Processes per second (forks, 1.000s buckets)
              3 processes started, 0.3 per second on average
              11:06:40.000         2  2.0/s
              11:06:41.000         1  1.0/s

            Most exec'd programs
                     2  /usr/bin/cc
                     1  /usr/bin/make

            Most exec'd binaries by SHA-256
              none

            Longest-lived processes (that exited)
                 1.600s      101  make
                 1.100s      102  cc
                 1.000s      103  cc

            Shortest-lived processes
                 1.000s      103  cc
                 1.100s      102  cc
                 1.600s      101  make

            Non-zero exits and signals by program
                     1  cc               killed by SIGKILL
                     1  cc               exited 1
                     1  make             exited 2

            Failed execs by errno
              none

            Zombies that lingered longer than 5.000s: 2
                 8.100s      102  cc               parent 101 make
                 7.100s      103  cc               parent 1 systemd

            Orphans and who adopted them: 1
                     1  adopted by 1 systemd
              11:06:41.800 103 cc: parent 101 → 1

            Lost records
              3 records lost in 1 gap
              the recorder reported 3 lost and 0 unwritten

            """)
    }

    @Test func theThresholdDecidesWhichZombiesLingered() throws {
        let report = try report(Fixtures.path("build.jsonl"), zombieThreshold: 7_500_000_000)
        #expect(report.lingeringZombies.map(\.pid) == [102])
        #expect(try self.report(Fixtures.path("build.jsonl"), zombieThreshold: 0).lingeringZombieCount == 3)
    }

    @Test func countsZombiesStillUnreapedWhenTheLogEnds() {
        let statistics = LogStatistics(zombieThresholdNs: 1_000)
        let tree = ProcessTree()
        for var event in [EventSamples.process(.exit, pid: 5, at: 0), EventSamples.process(.fork, pid: 6, at: 50_000)] {
            tree.apply(&event)
            statistics.add(event, tree: tree)
        }
        let zombie = statistics.finish().lingeringZombies.first
        #expect(zombie?.pid == 5 && zombie?.neverReaped == true && zombie?.lingeredNs == 50_000)
    }

    @Test func theJSONReportIsOneLineWithTheSameFacts() throws {
        let json = try report(Fixtures.path("build.jsonl")).json()
        #expect(json.hasPrefix(#"{"records":18,"first_time":"2026-11-18T11:06:40.000000000Z","#))
        #expect(json.contains(#""lingering_zombies":[{"pid":102,"comm":"cc","parent_pid":101,"parent_comm":"make","lingered_ns":8100000000,"never_reaped":false}"#))
        #expect(json.contains(#""adopters":[{"pid":1,"comm":"systemd","orphans":1}]"#))
        #expect(json.filter { $0 == "\n" }.count == 1 && json.hasSuffix("}\n"))
    }

    @Test func failedExecsAreCountedByErrno() {
        let statistics = LogStatistics()
        let tree = ProcessTree()
        for (index, number) in [2, 13, 2, 2, 13, 8].enumerated() {
            var event = EventSamples.process(.execFailed, pid: 40 + Int32(index), at: Int64(index) * 1000)
            event.errorNumber = Int32(number)
            tree.apply(&event)
            statistics.add(event, tree: tree)
        }
        let report = statistics.finish()
        #expect(report.failedExecs.map(\.errorNumber) == [2, 13, 8])
        #expect(report.failedExecs.map(\.count) == [3, 2, 1])
        #expect(report.count(.execFailed) == 6)
        let text = report.text(clock: .utc)
        #expect(text.contains("""
            Failed execs by errno
                     3  ENOENT (2)
                     2  EACCES (13)
                     1  ENOEXEC (8)
            """), "\(text)")
        #expect(text.contains("  exec_failed           6"))
        #expect(report.json().contains(#""failed_execs":[{"errno":2,"error":"ENOENT","count":3},{"errno":13,"error":"EACCES","count":2},{"errno":8,"error":"ENOEXEC","count":1}]"#))
    }

    @Test func theRateHistogramStaysBoundedOverALongLog() {
        var histogram = RateHistogram()
        for second in 0..<1000 { histogram.add(at: 7_000_000_000 + Int64(second) * 1_000_000_000) }
        #expect(histogram.counts.count <= RateHistogram.maximumBuckets)
        #expect(histogram.bucketWidth == 32_000_000_000)
        #expect(histogram.counts.reduce(0, +) == 1000)
        #expect(histogram.buckets.first?.start == 7_000_000_000)
    }

    @Test func theCounterDropsRareKeysPastItsCapacity() {
        var counter = BoundedCounter<Int>(capacity: 2)
        for _ in 0..<5 { counter.add(1) }
        for _ in 0..<3 { counter.add(2) }
        for key in 3...5 { counter.add(key) }
        #expect(counter.isApproximate)
        #expect(counter.counts.count <= 4)
        #expect(counter.top(2, precedes: <).map(\.key) == [1, 2])
    }

    @Test func binariesAreCountedByTheirHashNotTheirPath() {
        let statistics = LogStatistics()
        let tree = ProcessTree()
        func exec(_ path: String, _ digest: SHA256Digest?) {
            var event = EventSamples.process(.exec, comm: "x")
            event.filename = Array(path.utf8)
            var context = ProcessContext()
            context.exe = Array(path.utf8)
            context.exeSHA256 = digest
            event.context = context
            statistics.add(event, tree: tree)
        }
        let busybox = SHA256Digest(bytes: [UInt8](repeating: 1, count: 32))
        let other = SHA256Digest(bytes: [UInt8](repeating: 2, count: 32))
        exec("/bin/busybox", busybox)
        exec("/bin/ls", busybox)     // a hard link or copy of the same file
        exec("/bin/busybox", busybox)
        exec("/usr/bin/env", other)
        exec("/usr/bin/big", nil)    // not hashed: not counted
        let report = statistics.finish()
        #expect(report.topBinaries == [.init(sha256: busybox, exe: Array("/bin/busybox".utf8), count: 3),
                                       .init(sha256: other, exe: Array("/usr/bin/env".utf8), count: 1)])
        #expect(report.text(clock: .utc).contains("       3  0101010101010101  /bin/busybox"))
        #expect(report.json().contains(#"{"exe_sha256":"\#(busybox.hex)","exe":"/bin/busybox","count":3}"#))
    }
}
