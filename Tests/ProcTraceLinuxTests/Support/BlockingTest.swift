import Foundation
@testable import ProcTraceLinux
import Testing

/// A test that blocks its thread: it waits on processes, pipes and sleeps.
///
/// Swift Testing runs tests on the cooperative pool, which has one thread per
/// CPU (two here). A test that blocks holds one of them for its whole run, so
/// before this trait the integration tests ran two at a time and every unit
/// test queued behind them (a `make test` of 340 s, most of it waiting). With
/// `.blocking` the test's body runs on threads of its own, at most
/// `BlockingTestSlots.width` such tests at once, and the pool stays free.
struct BlockingTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    /// A scope per test case: the suite itself and a test function around its
    /// cases need none.
    func scopeProvider(for test: Test, testCase: Test.Case?) -> BlockingTrait? {
        testCase == nil ? nil : self
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let slots = test.traits.lazy.compactMap { $0 as? StormTrait }.first?.slots ?? 1
        await BlockingTestSlots.shared.acquire(slots)
        let started = ContinuousClock.now
        defer { Self.report(test, testCase, ContinuousClock.now - started) }
        do {
            try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try await function() }
        } catch {
            await BlockingTestSlots.shared.release(slots)
            throw error
        }
        await BlockingTestSlots.shared.release(slots)
    }

    /// With `PROCTRACE_TEST_TIMES=1`, how long each case held its slot (Swift
    /// Testing's own times include the wait for one): what to balance the width by.
    private static func report(_ test: Test, _ testCase: Test.Case?, _ duration: Duration) {
        guard ProcessInfo.processInfo.environment["PROCTRACE_TEST_TIMES"] == "1" else { return }
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let end = seconds(ContinuousClock.now - processStart)
        FileHandle.standardError.write(Data(
            "@@blocking \(String(format: "%.1f", seconds(duration))) from \(String(format: "%.1f", end - seconds(duration))) \(test.name)\n".utf8))
    }
}

private let processStart = ContinuousClock.now

extension Trait where Self == BlockingTrait {
    /// Runs each test of the suite off the cooperative pool (see `BlockingTrait`).
    static var blocking: Self { BlockingTrait() }
}

/// A blocking test that keeps every CPU busy (a process storm, a flood of
/// hashes) takes all the slots but one: one other blocking test runs beside
/// it, as when the pool's two threads ran them, and never another storm (two
/// storms starved each other's recorders: 222 records lost). One that compares
/// the whole machine with what it recorded takes them all and runs alone.
struct StormTrait: TestTrait {
    let slots: Int
}

extension Trait where Self == StormTrait {
    static var storm: Self { StormTrait(slots: max(1, BlockingTestSlots.width - 1)) }
    static var alone: Self { StormTrait(slots: BlockingTestSlots.width) }
}

/// How many blocking tests run at once. The integration tests mostly wait,
/// but their recorders and process storms share the machine's CPUs, and a
/// starved recorder fails tests that count what it lost.
/// `PROCTRACE_TEST_WIDTH` overrides the default.
actor BlockingTestSlots {
    static let shared = BlockingTestSlots(width: width)

    static var width: Int {
        if let text = ProcessInfo.processInfo.environment["PROCTRACE_TEST_WIDTH"], let width = Int(text), width > 0 {
            return width
        }
        return 4
    }

    private var free: Int
    /// First come, first served: a storm waiting for every slot is not
    /// overtaken by the tests that come after it.
    private var waiting: [(slots: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(width: Int) { free = width }

    func acquire(_ slots: Int) async {
        if waiting.isEmpty && free >= slots {
            free -= slots
            return
        }
        await withCheckedContinuation { waiting.append((slots, $0)) }
    }

    func release(_ slots: Int) {
        free += slots
        while let first = waiting.first, free >= first.slots {
            free -= first.slots
            waiting.removeFirst().continuation.resume()
        }
    }
}

/// Runs every job on a new thread, so a job that blocks holds no other one's
/// thread. A blocking test's child tasks (and the tasks it waits on while
/// blocked) therefore always have a thread to run on.
final class ThreadPerJobExecutor: TaskExecutor {
    static let shared = ThreadPerJobExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        // With no thread to be had, run it here rather than lose it (the test then holds this one).
        if !SystemThread.startDetached({ job.runSynchronously(on: executor) }) {
            job.runSynchronously(on: executor)
        }
    }
}
