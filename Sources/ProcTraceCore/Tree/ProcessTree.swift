/// The live process tree, rebuilt from a snapshot and kept current by every
/// event. One type serves record, tree, tail and replay.
///
/// Identity is (pid, start time): a record whose start time differs from the
/// node at that PID belongs to a new process (the old one's reap was lost),
/// never to the old one. Reaped nodes are removed, so memory follows the
/// live processes, and every event costs a constant number of hash probes.
///
/// Records may arrive child first (a snapshot lists PIDs in order, and PIDs
/// wrap). A node whose parent is not in the tree waits in a list keyed by
/// its ppid; the parent adopts that list when its own node appears.
///
/// Nodes are the tree's: their links are valid while the tree lives (a node
/// kept after its tree is gone is detached, with no parent or children).
public final class ProcessTree {
    /// Processes by PID (PIDTable: every record looks up one or two).
    private let nodes = PIDTable<ProcessNode>()
    /// ppid → first node of the sibling list of processes whose parent is not in the tree.
    private let waitingForParent = PIDTable<ProcessNode>()

    public init() {}

    deinit {
        // Cut every link first: released in a cascade, a long chain of
        // children or siblings (a deep fork chain) would overflow the stack.
        // Nodes kept by a caller outlive the tree as detached nodes.
        for node in nodes.values {
            node.parent = nil
            node.previousSibling = nil
            node.firstChild = nil
            node.nextSibling = nil
        }
    }

    public var count: Int { nodes.count }

    /// Every process in the tree, in no particular order.
    public var allNodes: [ProcessNode] { nodes.values }

    public subscript(pid: Int32) -> ProcessNode? { nodes[pid] }

    /// The node for `id`, only if it is that same lifetime.
    public func node(_ id: ProcessID) -> ProcessNode? {
        guard let node = nodes[id.pid], node.isSameLifetime(startTime: id.startTime) else { return nil }
        return node
    }

    /// Nodes whose parent is not in the tree (init, kthreadd, orphans of an
    /// unknown parent), by PID.
    public var roots: [ProcessNode] {
        var roots: [ProcessNode] = []
        for head in waitingForParent.values { roots.append(contentsOf: ProcessNodeList(first: head)) }
        return roots.sorted { $0.pid < $1.pid }
    }

    /// Brings the tree up to date with `event`, and fills in what the event's
    /// source could not know but the tree does (a reap's comm and ppid, a
    /// start time the source left at 0).
    public func apply(_ event: inout Event) {
        switch event.kind {
        case .exists:
            let node = nodeForNewLifetime(&event)
            update(node, from: &event)
            node.filename = event.filename
            node.filenameTruncated = event.filenameTruncated
            node.argv = event.argv
            node.argvTruncated = event.argvTruncated
            node.keepContext(of: event)
            node.reportedState = event.state
            if event.state == UInt8(ascii: "Z") {
                node.exitStatus = event.exitStatus ?? node.exitStatus
                node.exitTime = node.exitTime ?? event.time
            }
            node.unknownOrigin = false
        case .fork:
            let node = nodeForNewLifetime(&event)
            node.firstSeen = event.time
            node.birthSeen = true
            node.unknownOrigin = false
            update(node, from: &event)
            node.keepContext(of: event)
            node.contextUnavailable.formUnion(.execOnlyContext)
            if node.parentStartTime != event.parentStartTime && node.ppid == event.ppid {
                // The parent's lifetime is now known: it may not be the node linked so far.
                unlink(node)
                node.parentStartTime = event.parentStartTime
                link(node)
            }
        case .exec:
            // From a non-leader thread (event.oldPid set) the kernel has already
            // given the exec'ing thread the leader's PID and start time: it is
            // the same process, with the same children.
            let node = existingOrNew(&event)
            update(node, from: &event)
            node.filename = event.filename
            node.filenameTruncated = event.filenameTruncated
            node.argv = event.argv
            node.argvTruncated = event.argvTruncated
            node.keepContext(of: event)
        case .exit:
            let node = existingOrNew(&event)
            update(node, from: &event)
            node.exitStatus = event.exitStatus
            node.exitTime = event.time
        case .reap:
            guard let node = node(event.processID) else { return }
            event.comm = node.comm
            event.ppid = node.ppid
            if event.startTime == 0 { event.startTime = node.startTime }
            remove(node)
        case .comm, .cred, .session, .threadStart, .threadExit:
            let node = existingOrNew(&event)
            if event.ppid != 0 { follow(node, toParent: event.ppid) }
            if event.kind == .comm { node.comm = event.comm } else if event.comm.isEmpty { event.comm = node.comm }
            if event.kind == .cred, let credentials = event.credentials { node.credentials = credentials }
            if event.kind == .session, let session = event.session { node.session = session }
            if event.ppid == 0 { event.ppid = node.ppid }
            if event.startTime == 0 { event.startTime = node.startTime }
        case .reparent:
            guard let node = node(event.processID) else { return }
            if event.comm.isEmpty { event.comm = node.comm }
            if event.startTime == 0 { event.startTime = node.startTime }
            follow(node, toParent: event.ppid)
        case .start, .lost, .resync, .stop, .warning, .seal, .alert, .user:
            break
        case .execFailed:
            // The process is unchanged: the old image still runs.
            break
        }
    }

    /// `apply(_:)`, saying whether the event came out different: what it
    /// fills in is comm, ppid and startTime (keep this in step with `apply`).
    @inline(__always)
    public func applyTellingChange(_ event: inout Event) -> Bool {
        let comm = event.comm, ppid = event.ppid, startTime = event.startTime
        apply(&event)
        return event.ppid != ppid || event.startTime != startTime || event.comm != comm
    }

    // The helpers below read the record through `inout`, never change it: handed on by value, a record
    // read through `apply`'s inout was copied whole (285 bytes) for each call.

    /// The node at event.pid if it is the same lifetime; otherwise a fresh one
    /// replacing any stale node there. A fork always starts a lifetime, so a
    /// zombie found at its PID is stale even when start times are unknown.
    private func nodeForNewLifetime(_ event: inout Event) -> ProcessNode {
        if let existing = nodes[event.pid] {
            let staleZombie = event.kind == .fork && existing.isZombie
            if existing.isSameLifetime(startTime: event.startTime) && !staleZombie {
                if existing.startTime == 0 { existing.startTime = event.startTime }
                return existing
            }
            remove(existing)
        }
        let node = ProcessNode(pid: event.pid, startTime: event.startTime, ppid: event.ppid, comm: event.comm,
                               firstSeen: event.time)
        if event.kind == .fork { node.parentStartTime = event.parentStartTime }
        insert(node)
        return node
    }

    private func existingOrNew(_ event: inout Event) -> ProcessNode {
        let known = nodes[event.pid] != nil
        let node = nodeForNewLifetime(&event)
        if !known { node.unknownOrigin = true }
        return node
    }

    private func update(_ node: ProcessNode, from event: inout Event) {
        if !event.comm.isEmpty { node.comm = event.comm }
        if let credentials = event.credentials { node.credentials = credentials }
        if let session = event.session { node.session = session }
        if event.isKernelThread { node.isKernelThread = true }
        if event.ppid != 0 { follow(node, toParent: event.ppid) }
    }

    /// The kernel's word on who the parent is wins over what the tree believed.
    private func follow(_ node: ProcessNode, toParent ppid: Int32) {
        guard ppid != node.ppid else { return }
        unlink(node)
        node.ppid = ppid
        node.parentStartTime = 0 // a new parent, known by its PID only
        link(node)
    }

    /// Forgets zombies without children, those that exited longest ago first,
    /// until at most `limit` are left; returns how many it forgot. For trees
    /// rebuilt from a log, whose exits a crafted log need never reap.
    public func forgetOldestZombies(keeping limit: Int) -> Int {
        let zombies = nodes.values.filter { $0.isZombie && $0.firstChild == nil }
        guard zombies.count > limit else { return 0 }
        let oldest = zombies.sorted { $0.exitTime! < $1.exitTime! }.prefix(zombies.count - limit)
        for node in oldest { remove(node) }
        return oldest.count
    }

    private func insert(_ node: ProcessNode) {
        nodes[node.pid] = node
        link(node)
        adoptWaitingChildren(of: node)
    }

    private func remove(_ node: ProcessNode) {
        unlink(node)
        nodes[node.pid] = nil
        // Children still listed were moved by the kernel without our seeing
        // it; they wait under this PID, where only an older process (never a
        // recycled, younger one) can claim them.
        while let child = node.firstChild {
            unlink(child)
            link(child)
        }
    }

    private func adoptWaitingChildren(of parent: ProcessNode) {
        var candidate = waitingForParent[parent.pid]
        while let child = candidate {
            candidate = child.nextSibling
            if parent.couldBeParent(of: child) {
                unlink(child)
                pushFront(child, into: parent)
            }
        }
    }

    /// Puts `node` in its parent's children, or in the waiting list for its ppid.
    private func link(_ node: ProcessNode) {
        if let parent = nodes[node.ppid], parent.couldBeParent(of: node) {
            pushFront(node, into: parent)
        } else {
            let head = waitingForParent[node.ppid]
            node.nextSibling = head
            head?.previousSibling = node
            waitingForParent[node.ppid] = node
        }
    }

    private func pushFront(_ node: ProcessNode, into parent: ProcessNode) {
        node.parent = parent
        node.nextSibling = parent.firstChild
        parent.firstChild?.previousSibling = node
        parent.firstChild = node
    }

    private func unlink(_ node: ProcessNode) {
        let next = node.nextSibling
        if let previous = node.previousSibling {
            previous.nextSibling = next
        } else if let parent = node.parent {
            parent.firstChild = next
        } else {
            waitingForParent[node.ppid] = next
        }
        next?.previousSibling = node.previousSibling
        node.parent = nil
        node.previousSibling = nil
        node.nextSibling = nil
    }
}
