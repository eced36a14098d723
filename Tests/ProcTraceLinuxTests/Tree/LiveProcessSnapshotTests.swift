#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import Testing

@Suite(.blocking) struct LiveProcessSnapshotTests {
    @Test func aChildItsParentNeverWaitsForShowsAsAZombieWithItsStatusAndAge() throws {
        // sh starts a child that exits 3, then becomes sleep, which never waits.
        let parent = try ChildProcess(["/bin/sh", "-c", "/bin/sh -c 'exit 3' & exec /bin/sleep 30"])
        defer { parent.stop() }
        let zombiePid = try #require(waitForZombieChild(of: parent.pid))
        usleep(1_100_000)

        let tree = LiveProcessSnapshot().tree()
        let zombie = try #require(tree[zombiePid])
        #expect(zombie.isZombie)
        #expect(zombie.knownState == UInt8(ascii: "Z"))
        #expect(zombie.exitStatus?.exitCode == 3)
        #expect(zombie.parent === tree[parent.pid])
        #expect(tree[parent.pid]?.comm == Comm("sleep"))
        let age = Clock.realtimeNanoseconds - (zombie.exitTime ?? 0)
        #expect(age >= 1_000_000_000 && age < 10_000_000_000)

        let text = TreeTextRenderer(now: Clock.realtimeNanoseconds).render([try #require(tree[parent.pid])])
        #expect(text.hasPrefix("\(parent.pid) sleep (\(geteuid()))\n└─ \(zombiePid) sh <zombie "))
    }

    @Test func everyProcessHangsFromInitOrKthreadd() throws {
        let tree = LiveProcessSnapshot().tree(includeArguments: false)
        let me = try #require(tree[getpid()])
        var ancestor = me
        while let parent = ancestor.parent { ancestor = parent }
        #expect(ancestor.pid == 1)
        #expect(tree.roots.allSatisfy { $0.ppid == 0 })
    }

    private func waitForZombieChild(of pid: pid_t) -> pid_t? {
        let deadline = Clock.bootNanoseconds + 10_000_000_000
        while Clock.bootNanoseconds < deadline {
            for candidate in ProcFS().pids() {
                if let stat = ProcFS().stat(candidate), stat.ppid == pid, stat.state == UInt8(ascii: "Z") {
                    return candidate
                }
            }
            usleep(10_000)
        }
        return nil
    }
}
