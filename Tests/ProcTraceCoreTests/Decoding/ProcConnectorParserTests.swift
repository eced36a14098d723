import ProcTraceCore
import Testing

@Suite struct ProcConnectorParserTests {
    @Test func subscriptionIsAcknowledged() throws {
        let events = try NetlinkFixtures.events("subscribe")
        #expect(events.map(\.detail) == [.acknowledgement(error: 0)])
    }

    @Test func forkExecExit() throws {
        let (events, counts) = NetlinkFixtures.parse(try NetlinkFixtures.bytes("exit-3"))
        #expect(counts == .init(events: 3, malformed: 0, ignored: 0))
        let shell = TaskIDs(process: 10636)
        #expect(events.map(\.detail) == [
            .fork(parent: TaskIDs(process: 10595), child: shell),
            .exec(shell),
            .exit(shell, exitCode: 3 << 8, exitSignal: 17, parent: TaskIDs(process: 10595)),
        ])
        #expect(events.map(\.timestamp) == [3_501_649_086_572, 3_501_650_771_783, 3_501_652_161_672])
    }

    @Test func killedBySignal() throws {
        let exit = try NetlinkFixtures.events("sigkill").last
        guard case .exit(_, let code, _, _) = exit?.detail else {
            Issue.record("no exit: \(String(describing: exit))")
            return
        }
        #expect(WaitStatus(raw: code).summary == "killed by SIGKILL")
    }

    @Test func coredumpEventWithoutCoreFile() throws {
        let events = try NetlinkFixtures.events("abort-without-core")
        let aborted = TaskIDs(process: 10644)
        #expect(events.dropFirst().map(\.detail) == [
            .coredump(aborted, parent: TaskIDs(process: 10595)),
            .exit(aborted, exitCode: 6, exitSignal: 17, parent: TaskIDs(process: 10595)),
        ])
        #expect(WaitStatus(raw: 6).summary == "killed by SIGABRT")
    }

    @Test func identityChanges() throws {
        let events = try NetlinkFixtures.events("identity-changes")
        let task = TaskIDs(process: 10645)
        #expect(events.dropFirst().dropLast().map(\.detail) == [
            .sid(task),
            .comm(task, Comm("renamed")),
            .gid(task, real: 65534, effective: 65534),
            .uid(task, real: 65534, effective: 65534),
        ])
    }

    @Test func threadsAreTasksOfTheirProcess() throws {
        let events = try NetlinkFixtures.events("threads-exit-group")
        let exits = events.compactMap { event -> (TaskIDs, Int32, TaskIDs)? in
            guard case .exit(let task, _, let signal, let parent) = event.detail else { return nil }
            return (task, signal, parent)
        }
        #expect(exits.map(\.0) == [TaskIDs(process: 10638), TaskIDs(tid: 10639, tgid: 10638),
                                   TaskIDs(tid: 10640, tgid: 10638)])
        // Threads signal nobody and are released at once: no parent named.
        #expect(exits.map(\.1) == [17, -1, -1])
        #expect(exits.map(\.2.tgid) == [10595, 0, 0])
    }

    @Test func everyTruncationIsCountedNotTrapped() throws {
        for message in NetlinkFixtures.messages(try NetlinkFixtures.bytes("exit-3")) {
            for length in 1..<message.count {
                let (events, counts) = NetlinkFixtures.parse(Array(message.prefix(length)))
                #expect(events.isEmpty, "a \(length)-byte prefix decoded")
                #expect(counts.malformed == 1, "a \(length)-byte prefix")
            }
        }
    }

    @Test func connectorLengthBeyondTheMessageIsMalformed() throws {
        var message = NetlinkFixtures.messages(try NetlinkFixtures.bytes("exit-3"))[0]
        message[16 + 16] = 41 // cn_msg.len: one byte more than the 40 that follow
        #expect(NetlinkFixtures.parse(message).counts == .init(events: 0, malformed: 1, ignored: 0))
    }

    @Test func shortEventOfAKnownKindIsMalformed() throws {
        var message = NetlinkFixtures.messages(try NetlinkFixtures.bytes("exit-3"))[2]
        message[16 + 16] = 20 // cn_msg.len: an exit needs 40
        #expect(NetlinkFixtures.parse(message).counts == .init(events: 0, malformed: 1, ignored: 0))
    }

    @Test func otherMessagesAreIgnored() throws {
        let fork = NetlinkFixtures.messages(try NetlinkFixtures.bytes("exit-3"))[0]
        var otherConnector = fork
        otherConnector[16] = 2 // cn_msg.id.idx: CN_IDX_CIFS
        var noop = fork
        noop[4] = 1 // nlmsg_type: NLMSG_NOOP
        var futureKind = fork
        futureKind[36 + 1] = 0x04 // what: 0x400, the next kind a kernel may add
        for message in [otherConnector, noop, futureKind] {
            #expect(NetlinkFixtures.parse(message).counts == .init(events: 0, malformed: 0, ignored: 1))
        }
    }

    @Test func aBadLengthLosesOnlyWhatFollowsIt() throws {
        let messages = NetlinkFixtures.messages(try NetlinkFixtures.bytes("exit-3"))
        var broken = messages[1]
        broken[0] = 8 // nlmsg_len shorter than the header itself
        let (events, counts) = NetlinkFixtures.parse(messages[0] + broken + messages[2])
        #expect(events.count == 1)
        #expect(counts == .init(events: 1, malformed: 1, ignored: 0))
    }

    @Test func randomCorruptionNeverTraps() throws {
        let capture = try NetlinkFixtures.bytes("thread-execs")
        var random = SplitMix64(seed: 0x5eed)
        for _ in 0..<20_000 {
            var bytes = capture
            for _ in 0..<Int(random.next() % 4 + 1) {
                bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            let cut = Int(random.next() % UInt64(bytes.count + 1))
            let counts = NetlinkFixtures.parse(Array(bytes.prefix(cut))).counts
            #expect(counts.events <= 7)
        }
    }
}

/// A small seeded generator, so a failing corruption can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
