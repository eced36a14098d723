extension ProcessTree {
    /// One `exists` event per process the tree holds, parents before
    /// children: what a new log file starts with after a rotation, so that
    /// it replays on its own.
    public func existsEvents(time: Int64) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(count)
        var pending = roots
        while let node = pending.popLast() {
            var event = Event(kind: .exists, time: time, pid: node.pid, ppid: node.ppid, startTime: node.startTime)
            event.comm = node.comm
            event.filename = node.filename
            event.filenameTruncated = node.filenameTruncated
            event.argv = node.argv
            event.argvTruncated = node.argvTruncated
            event.credentials = node.credentials
            event.session = node.session
            event.isKernelThread = node.isKernelThread
            if node.isZombie {
                event.state = UInt8(ascii: "Z")
                event.exitStatus = node.exitStatus
            } else {
                event.state = node.knownState ?? 0
            }
            if node.filename == nil && !node.isKernelThread { event.unavailable.insert(.filename) }
            if node.argv == nil && !node.isKernelThread { event.unavailable.insert(.argv) }
            events.append(event)
            for child in node.children { pending.append(child) }
        }
        return events
    }
}
