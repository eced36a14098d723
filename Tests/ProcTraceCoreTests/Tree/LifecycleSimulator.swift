import ProcTraceCore
import ProcTraceTestSupport

/// A tiny kernel that turns a list of random numbers into a valid process
/// lifecycle and the records a tracer would deliver for it: a snapshot in
/// scrambled order, then fork (some with CLONE_PARENT), exec (some from a
/// non-leader thread), comm, exit with re-parenting to the nearest
/// subreaper or init, and reap — some reaps lost, and PIDs drawn from a
/// small range so they are recycled.
struct LifecycleSimulator {
    struct Process {
        var pid: Int32
        var ppid: Int32
        var start: UInt64
        var zombie = false
        var subreaper = false
    }

    private(set) var processes: [Int32: Process] = [:]
    private(set) var events: [Event] = []
    /// Whether every reap was delivered (then the tree must equal `processes`).
    private(set) var lossless = true
    /// Whether a quarter of the reaps are lost (false: every reap is delivered).
    private let losesReaps: Bool
    private var clock: UInt64 = 1_000
    private var nextPid: Int32 = 2
    private let pidLimit: Int32 = 40

    init(choices: [Int], losesReaps: Bool = true) {
        self.losesReaps = losesReaps
        var choices = choices[...]
        processes[1] = Process(pid: 1, ppid: 0, start: 1)
        buildSnapshot(size: (choices.popFirst() ?? 0) % 8, choices: &choices)
        while let choice = choices.popFirst() { step(choice) }
    }

    private mutating func buildSnapshot(size: Int, choices: inout ArraySlice<Int>) {
        for _ in 0..<size {
            let parent = pick(choices.popFirst() ?? 0, from: live)
            guard let pid = freePid() else { break }
            processes[pid] = Process(pid: pid, ppid: parent.pid, start: tick())
        }
        var snapshot = processes.values.sorted { $0.pid < $1.pid }.map {
            LifecycleEvents.exists($0.pid, ppid: $0.ppid, start: $0.start)
        }
        // Any order: a real snapshot lists PIDs, and PIDs wrap.
        for index in snapshot.indices.reversed() where index > 0 {
            snapshot.swapAt(index, (choices.popFirst() ?? 0) % (index + 1))
        }
        events += snapshot
    }

    private mutating func step(_ choice: Int) {
        let action = choice % 7
        let argument = choice / 7
        switch action {
        case 0, 1: fork(argument)
        case 2: exec(argument)
        case 3: exit(argument)
        case 4: reap(argument)
        case 5: processes[pick(argument, from: live).pid]?.subreaper = true
        default:
            let process = pick(argument, from: live)
            var event = Event(kind: .comm, time: Int64(tick()), pid: process.pid, ppid: process.ppid,
                              startTime: process.start)
            event.comm = Comm("renamed\(argument % 10)")
            events.append(event)
        }
    }

    private mutating func fork(_ argument: Int) {
        let caller = pick(argument, from: live)
        guard let pid = freePid() else { return }
        let cloneParent = argument % 5 == 0 && caller.pid != 1
        let parent = cloneParent ? caller.ppid : caller.pid
        let process = Process(pid: pid, ppid: parent, start: tick())
        processes[pid] = process
        events.append(LifecycleEvents.fork(pid, ppid: parent, start: process.start, at: Int64(process.start)))
    }

    private mutating func exec(_ argument: Int) {
        let process = pick(argument, from: live)
        events.append(LifecycleEvents.exec(
            process.pid, ppid: process.ppid, start: process.start, argv: ["/bin/prog\(argument % 10)", "x"],
            oldPid: argument % 3 == 0 ? process.pid + 1_000 : nil, at: Int64(tick())))
    }

    private mutating func exit(_ argument: Int) {
        let candidates = live.filter { $0.pid != 1 }
        guard !candidates.isEmpty else { return }
        let process = pick(argument, from: candidates)
        let time = Int64(tick())
        processes[process.pid]?.zombie = true
        events.append(LifecycleEvents.exit(process.pid, ppid: process.ppid, start: process.start,
                                           status: WaitStatus(exitCode: argument % 256), at: time))
        let reaper = newParent(forChildrenOf: process)
        for child in processes.values.sorted(by: { $0.pid < $1.pid }) where child.ppid == process.pid {
            processes[child.pid]?.ppid = reaper
            events.append(LifecycleEvents.reparent(child.pid, from: process.pid, to: reaper, start: child.start, at: time))
        }
    }

    private mutating func reap(_ argument: Int) {
        let zombies = processes.values.filter(\.zombie).sorted { $0.pid < $1.pid }
        guard !zombies.isEmpty else { return }
        let zombie = pick(argument, from: zombies)
        processes[zombie.pid] = nil
        if losesReaps && argument % 4 == 0 {
            lossless = false
        } else {
            events.append(LifecycleEvents.reap(zombie.pid, start: zombie.start, reaper: zombie.ppid, at: Int64(tick())))
        }
    }

    /// The nearest living subreaper ancestor, else init.
    private func newParent(forChildrenOf process: Process) -> Int32 {
        var ancestor = processes[process.ppid]
        while let candidate = ancestor, candidate.pid != 1 {
            if candidate.subreaper && !candidate.zombie { return candidate.pid }
            ancestor = processes[candidate.ppid]
        }
        return 1
    }

    private var live: [Process] { processes.values.filter { !$0.zombie }.sorted { $0.pid < $1.pid } }

    private func pick(_ choice: Int, from candidates: [Process]) -> Process { candidates[choice % candidates.count] }

    private mutating func tick() -> UInt64 {
        clock += 10
        return clock
    }

    /// The next free PID after the last one handed out, wrapping like the kernel's.
    private mutating func freePid() -> Int32? {
        for _ in 0..<pidLimit {
            let candidate = nextPid
            nextPid = nextPid >= pidLimit ? 2 : nextPid + 1
            if processes[candidate] == nil { return candidate }
        }
        return nil
    }
}
