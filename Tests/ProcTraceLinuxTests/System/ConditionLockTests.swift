#if canImport(Glibc)
import Glibc
#endif
@testable import ProcTraceLinux
import Testing

/// The one condition the recorder's threads wait on: a waiter sees what
/// another thread changed, and a timed wait ends at its deadline.
@Suite(.blocking)
struct ConditionLockTests {
    @Test func aWaiterSeesTheChangeAnotherThreadSignals() throws {
        let shared = ConditionLock((ready: false, value: 0))
        let thread = try #require(SystemThread.start {
            Clock.sleep(nanoseconds: 20_000_000)
            shared.withLock { $0 = (true, 42) }
            shared.signal()
        })
        let value = shared.wait { $0.ready ? $0.value : nil }
        thread.join()
        #expect(value == 42)
    }

    /// Asleep until then, on the monotonic clock: a deadline taken for another clock would spin.
    @Test func aTimedWaitSleepsUntilItsDeadlineAndEndsWithNothing() {
        let shared = ConditionLock(false)
        let start = Clock.monotonicNanoseconds
        let cpuBefore = Clock.nanoseconds(CLOCK_THREAD_CPUTIME_ID)
        let value = shared.wait(until: start + 200_000_000) { $0 ? true : nil }
        let cpu = Clock.nanoseconds(CLOCK_THREAD_CPUTIME_ID) - cpuBefore
        let waited = Clock.monotonicNanoseconds - start
        #expect(value == nil)
        #expect(waited >= 200_000_000 && waited < 5_000_000_000, "waited \(waited) ns")
        #expect(cpu < 5_000_000, "spent \(cpu) ns of CPU waiting")
    }

    /// Let go at once, so that they do run side by side.
    @Test func threadsChangingTheStateTogetherLoseNothing() throws {
        let shared = ConditionLock((go: false, count: 0))
        let threads = try (0..<4).map { _ in
            try #require(SystemThread.start {
                _ = shared.wait { $0.go ? true : nil }
                for _ in 0..<1_000_000 { shared.withLock { $0.count += 1 } }
            })
        }
        shared.withLock { $0.go = true }
        shared.broadcast()
        threads.forEach { $0.join() }
        #expect(shared.withLock { $0.count } == 4_000_000)
    }
}
