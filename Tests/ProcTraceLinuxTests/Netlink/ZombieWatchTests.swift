import Foundation
@testable import ProcTraceLinux
import ProcTraceCore
import Testing

/// netlink's reap inference on a /proc of files: a zombie is reaped once its
/// stat is gone. Rounds look at 64 zombies; the young ones first.
@Suite struct ZombieWatchTests {
    /// A /proc with a zombie's stat per PID (start tick = PID).
    final class FakeProc {
        let root: String
        var procFS: ProcFS { ProcFS(root: root) }

        init() throws {
            root = try Shell.temporaryDirectory().path
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        func zombie(_ pid: Int32) throws {
            let directory = "\(root)/\(pid)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let fields = ["Z", "1", "1", "1", "0", "-1", "4194316"] + Array(repeating: "0", count: 10) + ["1", "0", "\(pid)"]
                + Array(repeating: "0", count: 30)
            try "\(pid) (child) \(fields.joined(separator: " "))\n".write(toFile: "\(directory)/stat", atomically: false,
                                                                          encoding: .utf8)
        }

        /// Makes each of `pids` a zombie here and in `watch`.
        func zombies(_ pids: Range<Int32>, watchedBy watch: inout ZombieWatch) throws {
            for pid in pids {
                try zombie(pid)
                watch.add(pid: pid, startTime: startTime(pid))
            }
        }

        func reap(_ pid: Int32) throws {
            try FileManager.default.removeItem(atPath: "\(root)/\(pid)")
        }

        func startTime(_ pid: Int32) -> UInt64 { UInt64(pid) * ProcStat.nanosecondsPerTick }
    }

    /// 6,000 zombies a parent never waits for, then one that exits and is reaped two rounds later:
    /// the next round notices it (looking at 64 a round in turn, it took up to 94 rounds).
    @Test func aYoungZombieReapedBesideThousandsOfLingeringOnesIsNoticedInTheNextRound() throws {
        let proc = try FakeProc()
        var watch = ZombieWatch()
        try proc.zombies(1000..<7000, watchedBy: &watch)
        for _ in 0..<ZombieWatch.youngRounds + 1 {
            #expect(watch.reaped(checking: 64, in: proc.procFS).isEmpty)
        }
        var late: [Int] = []
        for pid in Int32(20000)..<20020 {
            try proc.zombies(pid..<(pid + 1), watchedBy: &watch)
            #expect(watch.reaped(checking: 64, in: proc.procFS).isEmpty)
            try proc.reap(pid)
            var rounds = 1
            while watch.reaped(checking: 64, in: proc.procFS).map(\.pid) != [pid] && rounds < 200 { rounds += 1 }
            late.append(rounds)
        }
        #expect(late == Array(repeating: 1, count: 20), "rounds until each reap was noticed: \(late)")
        #expect(watch.count == 6000)
    }

    /// Young zombies never take the whole round: the old ones still get their turns.
    @Test func lingeringZombiesAreStillLookedAtWhileYoungOnesComeInEveryRound() throws {
        let proc = try FakeProc()
        var watch = ZombieWatch()
        try proc.zombies(1000..<1100, watchedBy: &watch)
        for _ in 0..<ZombieWatch.youngRounds + 1 { _ = watch.reaped(checking: 64, in: proc.procFS) }
        for pid in Int32(1000)..<1100 { try proc.reap(pid) }
        var noticed = Set<Int32>()
        var next = Int32(30000)
        for _ in 0..<20 {
            // 100 new zombies a round, never reaped.
            try proc.zombies(next..<(next + 100), watchedBy: &watch)
            next += 100
            noticed.formUnion(watch.reaped(checking: 64, in: proc.procFS).map(\.pid))
        }
        #expect(noticed == Set(Int32(1000)..<1100), "the old zombies reaped and noticed: \(noticed.count) of 100")
    }

    @Test func removingAZombieForgetsItWhetherYoungOrOld() throws {
        let proc = try FakeProc()
        var watch = ZombieWatch()
        try proc.zombies(10..<11, watchedBy: &watch)
        for _ in 0..<ZombieWatch.youngRounds + 1 { _ = watch.reaped(checking: 64, in: proc.procFS) }
        try proc.zombies(11..<12, watchedBy: &watch)
        #expect(watch.remove(pid: 10) == proc.startTime(10))
        #expect(watch.remove(pid: 11) == proc.startTime(11))
        #expect(watch.remove(pid: 11) == nil)
        try proc.reap(10)
        try proc.reap(11)
        #expect(watch.isEmpty)
        #expect(watch.reaped(checking: 64, in: proc.procFS).isEmpty)
    }
}
