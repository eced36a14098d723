import ProcTraceCore
import PropertyBased
import Testing

@Suite struct ProcessTreePropertyTests {
    private static let lifecycles = Gen.int(in: 0...1_000_000).array(of: 0...250)

    @Test func randomLifecyclesLeaveTheTreeEqualToTheReferenceModel() async {
        await propertyCheck(count: 300, input: Self.lifecycles) { choices in
            let simulation = LifecycleSimulator(choices: choices)
            let tree = ProcessTree()
            var reference = NaiveProcessTable()
            for var event in simulation.events {
                tree.apply(&event)
                reference.apply(event)
            }

            #expect(tree.count == reference.entries.count)
            for entry in reference.entries.values {
                guard let node = tree[entry.pid] else {
                    Issue.record("no node for \(entry.pid)")
                    continue
                }
                #expect(node.startTime == entry.start)
                #expect(node.ppid == entry.ppid)
                #expect(node.comm == entry.comm)
                #expect(node.isZombie == entry.zombie)
                #expect(node.exitStatus == entry.status)
                #expect(node.children.map(\.pid).sorted() == reference.children(of: entry.pid))
                #expect(node.parent.map { $0.children.contains { $0 === node } } ?? true)
            }
            #expect(tree.roots.map(\.pid) == reference.roots)
        }
    }

    @Test func withNoRecordLostTheTreeIsTheKernelsProcessTable() async {
        // Every case is checked: the simulation delivers every reap.
        await propertyCheck(count: 300, input: Self.lifecycles) { choices in
            let simulation = LifecycleSimulator(choices: choices, losesReaps: false)
            #expect(simulation.lossless)
            let tree = ProcessTree()
            for var event in simulation.events { tree.apply(&event) }

            #expect(Set(tree.allNodes.map(\.pid)) == Set(simulation.processes.keys))
            for process in simulation.processes.values {
                #expect(tree[process.pid]?.ppid == process.ppid)
                #expect(tree[process.pid]?.isZombie == process.zombie)
                #expect(tree[process.pid]?.parent?.pid == (process.ppid == 0 ? nil : process.ppid))
            }
        }
    }
}
