import Foundation
import Testing

/// Issue 25, 1 and 4: set*id and setsid right before execve are recorded,
/// before the exec record, in every hook mode and with netlink; a set-uid
/// program's own exec changes credentials only in its exec record
/// (docs/hooks.md, docs/netlink.md).
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct ChangesBeforeExecTests {
    /// Each change, this many times: with `sched` before issue 25 about half were lost.
    static let rounds = 12

    @Test(arguments: HookExpectations.chain)
    func changesJustBeforeAnExecPrecedeItAndASetuidExecIsNoCredRecord(_ mode: String) throws {
        try Self.check(mode)
    }

    /// On its own (scripts/qemu/runs' netlink run): a recorder of the whole machine beside the BPF
    /// suites would read /proc for all of their processes too.
    @Test func netlinkRecordsChangesJustBeforeAnExecAndNoCredForASetuidExec() throws {
        try Self.check("netlink")
    }

    static func check(_ mode: String) throws {
        let recording: Recording
        do {
            recording = try LiveRecording.record(
                // netlink: a set-uid exec's cred record waits (at most --hash-wait) for a reader to look at
                // the program, which then runs 1 s (else 0.3 s): a program gone before it is looked at keeps
                // its record (docs/netlink.md); under qemu's emulation with the BPF suites beside it, one of
                // 24 was not looked at within 0.3 s.
                arguments: mode == "netlink" ? ["--backend", "netlink", "--hash-wait", "3000"] : ["--backend", "bpf", "--hooks", mode],
                scenarios: ["changes-exec"],
                scenarioArguments: ["changes-exec": ["\(Self.rounds)"] + (mode == "netlink" ? ["1"] : [])])
        } catch RecordingError.recorderDidNotStart(let errors) {
            #expect(!HookExpectations.mustLoad.contains(mode), "this kernel must allow \(mode): \(errors)")
            print("@@report changes-exec \(mode): refused")
            return
        }
        #expect(recording.records.first?["hooks"] as? String == (mode == "netlink" ? nil : mode))
        #expect(recording.exitStatus == 0, "\(recording.standardError)")
        let scenario = recording.scenario("changes-exec")
        let seq = { (record: [String: Any]) in record["seq"] as? Int ?? .max }

        /// The process's exec record, and its records of `event` (all of them before the exec).
        func changes(_ pid: Int, _ event: String) -> (exec: [String: Any]?, before: [[String: Any]], after: Int) {
            let exec = recording.records(pid: pid, event: "exec").first
            let records = recording.records(pid: pid, event: event)
            let execSeq = exec.map(seq) ?? .max
            return (exec, records.filter { seq($0) < execSeq }, records.filter { seq($0) > execSeq }.count)
        }

        /// netlink reads the ids from /proc after the event: a process gone by then has them null
        /// (docs/netlink.md), never wrong. With BPF they are always known.
        func ids(_ record: [String: Any]?, _ keys: [String], are expected: [Int]) -> Bool {
            guard let record else { return false }
            if mode == "netlink" && (record["unavailable"] as? [String])?.contains("credentials") == true { return true }
            return zip(keys, expected).allSatisfy { record[$0.0] as? Int == $0.1 }
        }

        var sessionsMissed = 0, credsMissed = 0, reCredsMissed = 0, euidCredsMissed = 0, spurious = 0, unexpected: [String] = []
        var spuriousRecords: [[String: Any]] = []
        for pid in scenario["setsid"] as? [Int] ?? [] {
            let (exec, before, after) = changes(pid, "session")
            if exec == nil { unexpected.append("no exec of \(pid)") }
            if before.last?["sid"] as? Int != pid || before.last?["pgid"] as? Int != pid { sessionsMissed += 1 }
            if after != 0 { unexpected.append("session after the exec of \(pid)") }
        }
        let nobody = ["uid", "euid", "suid", "gid", "egid", "sgid"]
        for (key, counted) in [("setres", nobody), ("setre", ["uid", "euid", "gid", "egid"])] {
            for pid in scenario[key] as? [Int] ?? [] {
                let (exec, before, after) = changes(pid, "cred")
                if !ids(exec, ["uid"], are: [65534]) { unexpected.append("\(key) \(pid): exec \(exec ?? [:])") }
                if !ids(before.last, counted, are: counted.map { _ in 65534 }) {
                    if key == "setres" { credsMissed += 1 } else { reCredsMissed += 1 }
                }
                if after != 0 { unexpected.append("cred after the exec of \(pid)") }
            }
        }
        for pid in scenario["setuid_program"] as? [Int] ?? [] {
            let exec = recording.records(pid: pid, event: "exec").first
            if !ids(exec, ["uid", "euid", "suid"], are: [0, 65534, 65534]) {
                unexpected.append("set-uid exec \(pid): \(exec ?? [:])")
            }
            let extra = recording.records(pid: pid, event: "cred") + recording.records(pid: pid, event: "session")
            spurious += extra.count
            spuriousRecords += extra
        }
        // setresuid(-1, 65534, 65534), then an exec: a secure exec (AT_SECURE) that is no set-uid one.
        for pid in scenario["seteuid"] as? [Int] ?? [] {
            let (exec, before, after) = changes(pid, "cred")
            if !ids(exec, ["uid", "euid"], are: [0, 65534]) { unexpected.append("seteuid \(pid): exec \(exec ?? [:])") }
            if !ids(before.last, ["uid", "euid", "suid"], are: [0, 65534, 65534]) {
                euidCredsMissed += 1
            }
            if after != 0 { unexpected.append("cred after the exec of \(pid)") }
        }
        // As nobody (its own changes recorded 0.2 s before), a program set-uid to root: no cred of the exec's own.
        for pid in scenario["root_setuid_program"] as? [Int] ?? [] {
            let exec = recording.records(pid: pid, event: "exec").first
            if !ids(exec, ["uid", "euid", "suid"], are: [65534, 0, 0]) {
                unexpected.append("root set-uid exec \(pid): \(exec ?? [:])")
            }
            let execTime = exec.flatMap { RecordLifecycleTests.nanoseconds($0["time"] as? String) } ?? 0
            let creds = recording.records(pid: pid, event: "cred")
            if creds.isEmpty { unexpected.append("root set-uid \(pid): the change to nobody has no cred") }
            let extra = creds.filter {
                (RecordLifecycleTests.nanoseconds($0["time"] as? String) ?? 0) > execTime - 100_000_000
                    || ($0["uid"] as? Int == 65534 && $0["euid"] as? Int == 0)
            }
            spurious += extra.count
            spuriousRecords += extra
        }
        print("@@report changes-exec \(mode): of \(Self.rounds) each, setsid+exec without session \(sessionsMissed), "
            + "setres*id+exec without cred \(credsMissed), setre*id+exec without cred \(reCredsMissed), "
            + "setresuid(-1,x,x)+exec without cred \(euidCredsMissed), cred/session records of set-uid execs \(spurious)")
        #expect((scenario["setsid"] as? [Int])?.count == Self.rounds, "\(scenario)")
        #expect(sessionsMissed == 0, "setsid then execve: no session record before the exec")
        #expect(credsMissed == 0, "setresgid, setresuid then execve: no cred record with the new ids before the exec")
        #expect(reCredsMissed == 0, "setregid, setreuid then execve: no cred record with the new ids before the exec")
        #expect(euidCredsMissed == 0, "setresuid(-1, 65534, 65534) then execve: no cred record with the new ids before the exec")
        // BPF modes see the exec's own change for what it is: none. Netlink tells it apart by looking at
        // /proc/PID/exe on a reader thread, and a program gone before the reader got to it keeps its
        // record (docs/netlink.md): under qemu's emulation, where the same readers hash every exec
        // slowly, 0, 0, 1, 1 and 2 of 24 were, so netlink may leave 1 in 6. Main's netlink source
        // wrote all 24.
        let spuriousBound = mode == "netlink" ? 2 * Self.rounds / 6 : 0
        #expect(spurious <= spuriousBound, "a set-uid program's exec is in its exec record only: \(spuriousRecords.prefix(3))")
        #expect(unexpected.isEmpty, "\(unexpected.prefix(5))")
    }
}
