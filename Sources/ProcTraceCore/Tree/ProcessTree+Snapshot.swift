extension ProcessTree {
    /// One `exists` event per process the tree holds, parents before
    /// children: what a new log file starts with after a rotation, so that
    /// it replays on its own.
    public func existsEvents(time: Int64) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(count)
        var pending = roots
        while let node = pending.popLast() {
            events.append(node.existsEvent(time: time))
            for child in node.children { pending.append(child) }
        }
        return events
    }
}

extension ProcessNode {
    /// This process as an `exists` record at `time`: what the tree knows of it.
    public func existsEvent(time: Int64) -> Event {
        var event = Event(kind: .exists, time: time, pid: pid, ppid: ppid, startTime: startTime)
        event.comm = comm
        event.filename = filename
        event.filenameTruncated = filenameTruncated
        event.argv = argv
        event.argvTruncated = argvTruncated
        event.credentials = credentials
        event.session = session
        event.isKernelThread = isKernelThread
        if isZombie {
            event.state = UInt8(ascii: "Z")
            event.exitStatus = exitStatus
        } else {
            event.state = knownState ?? 0
        }
        if filename == nil && !isKernelThread { event.unavailable.insert(.filename) }
        if argv == nil && !isKernelThread { event.unavailable.insert(.argv) }
        event.contextStorage = contextStorage
        event.unavailable.formUnion(contextStorage == nil ? .context : contextUnavailable)
        return event
    }

    /// Keeps the context an exec, exists or fork record carries, and what of it was unknown.
    func keepContext(of event: Event) {
        contextStorage = event.contextStorage
        contextUnavailable = event.contextStorage == nil ? .context : event.unavailable.intersection(.context)
    }
}
