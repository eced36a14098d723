/// The live process tree, rebuilt from a snapshot and kept current by every
/// event. One type serves record, tree, tail and replay.
///
/// Identity is (pid, start time): a record whose start time differs from the
/// node at that PID belongs to a new process (the old one's reap was lost),
/// never to the old one. Reaped nodes are removed, so memory follows the
/// live processes, and every lookup is one hash probe.
public final class ProcessTree {
    public private(set) var nodes: [Int32: ProcessNode] = [:]

    public init() {}

    public var count: Int { nodes.count }

    public subscript(pid: Int32) -> ProcessNode? { nodes[pid] }

    /// The node for `id`, only if it is that same lifetime.
    public func node(_ id: ProcessID) -> ProcessNode? {
        guard let node = nodes[id.pid] else { return nil }
        return id.startTime == 0 || node.startTime == 0 || node.startTime == id.startTime ? node : nil
    }

    public var roots: [ProcessNode] {
        nodes.values.filter { nodes[$0.ppid] == nil || $0.ppid == $0.pid }.sorted { $0.pid < $1.pid }
    }

    /// Brings the tree up to date with `event`, and fills in what the event's
    /// source could not know but the tree does (a reap's comm and ppid, a
    /// start time the source left at 0).
    public func apply(_ event: inout Event) {
        switch event.kind {
        case .exists:
            let node = nodeForNewLifetime(event)
            update(node, from: event)
            if let status = event.exitStatus, event.state == UInt8(ascii: "Z") {
                node.exitStatus = status
                node.exitTime = node.exitTime ?? event.time
            }
            node.unknownOrigin = false
        case .fork:
            let node = nodeForNewLifetime(event)
            node.firstSeen = event.time
            node.unknownOrigin = false
            update(node, from: event)
        case .exec:
            let node = existingOrNew(event)
            update(node, from: event)
            node.filename = event.filename
            node.argv = event.argv
            node.argvTruncated = event.argvTruncated
        case .exit:
            let node = existingOrNew(event)
            update(node, from: event)
            node.exitStatus = event.exitStatus
            node.exitTime = event.time
        case .reap:
            guard let node = node(event.processID) else { return }
            event.comm = node.comm
            event.ppid = node.ppid
            if event.startTime == 0 { event.startTime = node.startTime }
            remove(node)
        case .comm, .cred, .session, .threadStart, .threadExit:
            let node = existingOrNew(event)
            if event.kind == .comm { node.comm = event.comm } else if event.comm.isEmpty { event.comm = node.comm }
            if event.kind == .cred, let credentials = event.credentials { node.credentials = credentials }
            if event.kind == .session, let session = event.session { node.session = session }
            if event.ppid == 0 { event.ppid = node.ppid }
            if event.startTime == 0 { event.startTime = node.startTime }
        case .reparent:
            guard let node = node(event.processID) else { return }
            if event.comm.isEmpty { event.comm = node.comm }
            move(node, to: event.ppid)
        case .start, .lost, .resync, .stop:
            break
        }
    }

    /// The node at event.pid if it is the same lifetime; otherwise a fresh one
    /// replacing any stale node there.
    private func nodeForNewLifetime(_ event: Event) -> ProcessNode {
        if let existing = nodes[event.pid] {
            if existing.startTime == event.startTime || event.startTime == 0 || existing.startTime == 0 {
                if existing.startTime == 0 { existing.startTime = event.startTime }
                return existing
            }
            remove(existing)
        }
        let node = ProcessNode(pid: event.pid, startTime: event.startTime, ppid: event.ppid, comm: event.comm,
                               firstSeen: event.time)
        insert(node)
        return node
    }

    private func existingOrNew(_ event: Event) -> ProcessNode {
        let known = nodes[event.pid] != nil
        let node = nodeForNewLifetime(event)
        if !known { node.unknownOrigin = true }
        return node
    }

    private func update(_ node: ProcessNode, from event: Event) {
        if !event.comm.isEmpty { node.comm = event.comm }
        if let credentials = event.credentials { node.credentials = credentials }
        if let session = event.session { node.session = session }
        if event.isKernelThread { node.isKernelThread = true }
        if event.kind == .exists {
            node.filename = event.filename
            node.argv = event.argv
            node.argvTruncated = event.argvTruncated
        }
        if event.ppid != node.ppid && event.ppid != 0 { move(node, to: event.ppid) }
    }

    private func insert(_ node: ProcessNode) {
        nodes[node.pid] = node
        if node.ppid != node.pid { nodes[node.ppid]?.children.insert(node.pid) }
    }

    private func move(_ node: ProcessNode, to newParent: Int32) {
        nodes[node.ppid]?.children.remove(node.pid)
        node.ppid = newParent
        if newParent != node.pid { nodes[newParent]?.children.insert(node.pid) }
    }

    private func remove(_ node: ProcessNode) {
        nodes[node.ppid]?.children.remove(node.pid)
        nodes[node.pid] = nil
    }

    /// Links every node to its parent's children set; use after loading
    /// records whose parents came later than their children.
    public func relinkChildren() {
        for node in nodes.values { node.children.removeAll() }
        for node in nodes.values where node.ppid != node.pid {
            nodes[node.ppid]?.children.insert(node.pid)
        }
    }
}
