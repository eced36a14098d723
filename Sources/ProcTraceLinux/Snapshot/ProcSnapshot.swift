import ProcTraceCore

/// Every process /proc shows now, as `exists` events: what a backend without
/// a kernel-side iterator reports at start and after a resynchronisation,
/// and what `tree` shows without a recording. The one /proc → `exists`
/// builder. Start times have /proc's clock-tick precision.
public struct ProcSnapshot {
    public var processes: [Event] = []
    /// Thread IDs (leader included) of the processes that have more than one.
    public var threadsByProcess: [Int32: [Int32]] = [:]

    public init(processes: [Event] = [], threadsByProcess: [Int32: [Int32]] = [:]) {
        self.processes = processes
        self.threadsByProcess = threadsByProcess
    }

    /// Reads /proc. `time` is stamped on every event (nanoseconds since the
    /// epoch). With `maxArgumentBytes` nil, filename and argv are not read;
    /// with `threads` false, neither are thread IDs; with `context` nil,
    /// neither is who, where and which binary. With `reads`, what a process
    /// can make block (its arguments, its executable's `stat`) is read by
    /// that pool's workers: the events wait for it with a ticket.
    public static func read(
        _ procFS: ProcFS, time: Int64, maxArgumentBytes: Int?, excluding excludedProcess: Int32 = 0,
        threads: Bool = true, context: ProcessContextReader? = nil, reads: ProcessReadPool? = nil
    ) -> ProcSnapshot {
        var snapshot = ProcSnapshot()
        for pid in procFS.pids() where pid != excludedProcess {
            guard let directory = ProcessDirectory(procFS, pid: pid), let stat = directory.stat() else { continue }
            var event = Event(kind: .exists, time: time, pid: pid, ppid: stat.ppid,
                              startTime: stat.startTimeApproximate)
            event.comm = Comm(stat.comm)
            event.state = stat.state
            event.session = SessionIDs(sid: stat.session, pgid: stat.pgrp)
            event.isKernelThread = stat.isKernelThread
            let status = directory.status()
            if let credentials = status.flatMap(ProcFS.credentials(fromStatus:)) {
                event.credentials = credentials
            } else {
                event.unavailable.insert(.credentials)
            }
            context?.read(directory, stat: stat, status: status, extent: .full, into: &event)
            if stat.state == UInt8(ascii: "Z") {
                event.exitStatus = stat.exitCode.map(WaitStatus.init(raw:))
                event.unavailable.formUnion([.filename, .argv])
                if context?.statsExecutable == false { event.unavailable.formUnion([.exeInode, .exeDevice, .exeSHA256]) }
            } else if let reads {
                let program = !stat.isKernelThread ? maxArgumentBytes : nil
                if program != nil { readFilename(of: directory, into: &event) }
                let request = ProcessReadPool.Request(
                    pid: pid, startTime: stat.startTimeApproximate, uid: event.credentials?.uid ?? UInt32.max,
                    argumentLimit: program,
                    executable: context?.statsExecutable == false && !stat.isKernelThread)
                if request.argumentLimit != nil || request.executable {
                    reads.submit(request, exePath: event.context?.exe, into: &event)
                }
            } else if !stat.isKernelThread, let maxArgumentBytes {
                ProcSnapshot.readProgram(of: directory, into: &event, maxArgumentBytes: maxArgumentBytes)
            }
            if threads && stat.threadCount > 1 {
                snapshot.threadsByProcess[pid] = procFS.threads(of: pid)
            }
            snapshot.processes.append(event)
        }
        return snapshot
    }

    /// Sets filename and argv from the process's directory, or lists them as
    /// unavailable: an empty cmdline means the memory is gone, not "no arguments"
    /// (the kernel gives even an argv-less exec one empty argument).
    /// argv from a cmdline read with `limit + 1` bytes, as an exec record
    /// has it: null and unavailable when nothing of the arguments was kept
    /// (the memory is gone, or `--max-args-bytes 0`), since `[]` would claim
    /// the process has none; else the first `limit` bytes, flagged when cut.
    public static func setArguments(from cmdline: [UInt8]?, limit: Int, of event: inout Event) {
        guard let cmdline, !cmdline.isEmpty, limit > 0 else {
            event.argv = nil
            event.unavailable.insert(.argv)
            return
        }
        event.argvTruncated = cmdline.count > limit
        event.argv = ArgumentVector(bytes: Array(cmdline.prefix(limit)))
    }

    static func readProgram(of directory: ProcessDirectory, into event: inout Event, maxArgumentBytes: Int) {
        setArguments(from: directory.cmdline(limit: maxArgumentBytes + 1), limit: maxArgumentBytes, of: &event)
        readFilename(of: directory, into: &event)
    }

    /// The executable's path (a link the kernel resolves itself: no filesystem is asked).
    static func readFilename(of directory: ProcessDirectory, into event: inout Event) {
        if let executable = directory.executable() {
            event.filename = executable
        } else {
            event.unavailable.insert(.filename)
        }
    }
}
