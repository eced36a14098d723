import Foundation
import Testing

/// Issue 25, 4: a program that renames itself at once after its exec. The
/// netlink backend reads comm from /proc after the exec, so it read the later
/// name into the exec record (a name the exec never gave). The exec record
/// has the name the exec gave, or null when /proc already showed the later
/// one; the rename is its own `comm` record.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RenameAfterExecTests {
    @Test(arguments: ["netlink", "bpf"])
    func theExecRecordNeverShowsALaterName(backend: String) throws {
        let recording = try LiveRecording.record(
            arguments: ["--backend", backend], scenarios: ["exec-rename"], scenarioArguments: ["exec-rename": ["100"]])
        #expect(recording.exitStatus == 0, "\(recording.standardError)")
        let children = try #require(recording.scenario("exec-rename")["children"] as? [Int])
        #expect(children.count == 100)
        var later = 0, unknown = 0, renames = 0
        for child in children {
            let execs = recording.records(pid: child, event: "exec")
            #expect(execs.count == 1)
            for exec in execs {
                if exec["comm"] as? String == "renamed-at-once" { later += 1 }
                if exec["comm"] is NSNull { unknown += 1 }
            }
            renames += recording.records(pid: child, event: "comm").filter { $0["comm"] as? String == "renamed-at-once" }.count
        }
        print("@@report rename after exec, \(backend): later name in \(later), null in \(unknown), of \(children.count)")
        #expect(later == 0, "exec records with the name given after the exec")
        #expect(renames == children.count, "every rename is its own record")
        if backend == "bpf" { #expect(unknown == 0, "the kernel gives the exec's own name") }
    }
}
