@testable import ProcTraceLinux
import Testing

/// One user's flood of hashes waits behind itself.
@Suite struct FairJobQueueTests {
    @Test func usersTakeTurnsWhateverTheirQueuesHold() {
        var queue = FairJobQueue<String>(perUser: 100, total: 1000)
        var accepted = (0..<50).map { queue.append("flood\($0)", for: 1000) }
        accepted.append(queue.append("victim0", for: 0))
        accepted.append(queue.append("victim1", for: 0))
        #expect(accepted.allSatisfy { $0 })
        let order = (0..<6).compactMap { _ in queue.next() }
        #expect(order == ["flood0", "victim0", "flood1", "victim1", "flood2", "flood3"])
    }

    @Test func aUserPastItsShareIsRefusedAndOthersAreNot() {
        var queue = FairJobQueue<Int>(perUser: 3, total: 5)
        let flood = (0..<5).map { queue.append($0, for: 7) }
        #expect(flood == [true, true, true, false, false])
        let others = [queue.append(10, for: 8), queue.append(11, for: 8), queue.append(12, for: 9)]
        #expect(others == [true, true, false], "the third: the whole queue is full")
        #expect(queue.count == 5)
    }

    @Test func aUserAtItsRunningLimitIsPassedOver() {
        var queue = FairJobQueue<String>(perUser: 10, total: 10)
        _ = queue.append("a1", for: 1)
        _ = queue.append("a2", for: 1)
        _ = queue.append("b1", for: 2)
        let first = queue.next(mayRun: { $0 != 1 })
        let second = queue.next(mayRun: { $0 != 1 })
        let third = queue.next()
        #expect(first == "b1" && second == nil && third == "a1")
    }
}
