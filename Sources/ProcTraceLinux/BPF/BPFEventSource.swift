#if canImport(Glibc)
import Glibc
#endif
import CProcTraceBPF
import ProcTraceCore

/// The BPF backend: precompiled programs on the sched_* tracepoints (embedded
/// in this binary through the libbpf skeleton) streaming fixed-layout records
/// through one ring buffer.
public final class BPFEventSource: EventSource {
    public let backendName = "bpf"

    private var handle: OpaquePointer?
    private let settings: BPFSettings
    /// The ring buffer's size as asked for (the metrics' gauge finds the map by it).
    public var ringBufferBytes: UInt32 { settings.ringBufferBytes }
    /// CLOCK_BOOTTIME when the probes were attached: processes started
    /// before it are in the snapshot, the rest arrive as fork records.
    public let attachedAt: UInt64
    private var reportedLost: UInt64 = 0
    private let receiver: Receiver
    private let procFS: ProcFS
    /// exe_sha256 for exec and exists records (the kernel gives the file's
    /// device, inode and version), hashed off the draining thread.
    public let hashes: HashWorkerPool
    /// The start snapshot's arguments, read from /proc off the draining thread.
    public let reads: ProcessReadPool
    public var enricher: EventEnricher? { reads }

    public var counters: SourceCounters { receiver.counters }

    /// What the loader chose for this kernel, for the `start` record
    /// (docs/events.md): how the programs find the current task.
    public private(set) var choices: [String] = []
    /// The hooks the loader settled on, and the cheaper ones refused ("mode: why").
    public private(set) var hooks: HookMode = .syscall
    public private(set) var hooksRefused: [String] = []

    public init(settings: BPFSettings, procFS: ProcFS = ProcFS()) throws {
        self.settings = settings
        self.procFS = procFS
        var decoder = KernelRecordDecoder(bootToEpochOffset: Clock.bootToEpochOffset())
        let hashes = HashWorkerPool(settings: HashWorkerPool.Settings(maxBytes: settings.hashMaxBytes))
        self.hashes = hashes
        reads = ProcessReadPool(hashes: hashes.isEnabled ? hashes : nil)
        decoder.executableDigest = { hashes.lookup($0) }
        let receiver = Receiver(decoder: decoder)
        self.receiver = receiver

        if settings.simulateLoadFailure {
            throw BPFStartError(stage: .load, errno: EPERM, detail: "simulated (PROCTRACE_SIMULATE_BPF_FAILURE)")
        }
        if let held = ProcessCapabilities.read() {
            let missing = BackendPrivileges.missingForBPF(in: held.effective)
            if !missing.isEmpty {
                throw BPFStartError(stage: .load, errno: EPERM, detail: "effective: \(held.effective)",
                                    missingCapabilities: missing)
            }
        }

        var cSettings = pt_bpf_settings()
        cSettings.max_args_bytes = min(settings.maxArgumentBytes, BPFSettings.argumentBytesCap)
        cSettings.self_tgid = UInt32(bitPattern: settings.excludedProcess)
        cSettings.wakeup_bytes = settings.wakeupBytes
        cSettings.ring_bytes = settings.ringBufferBytes
        cSettings.pid_entries = PIDKeyedMaps.entries(pidMax: procFS.kernelLimit("pid_max"),
                                                      threadsMax: procFS.kernelLimit("threads-max"))
        cSettings.trace_threads = settings.traceThreads ? 1 : 0
        cSettings.verbose = settings.verbose ? 1 : 0
        cSettings.hook_mode = settings.hookMode.loaderValue

        var stage: Int32 = 0
        var detail = [CChar](repeating: 0, count: 512)
        var started: OpaquePointer?
        let context = Unmanaged.passUnretained(receiver).toOpaque()
        let result = withUnsafePointer(to: &cSettings) { settingsPointer in
            pt_bpf_start(settingsPointer, BPFEventSource.onRecord, context,
                         &started, &stage, &detail, detail.count)
        }
        guard result == 0, let started else {
            throw BPFStartError(stage: BPFStartError.Stage(rawValue: stage) ?? .unknown, errno: -result,
                                detail: detail.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        handle = started
        choices = [pt_bpf_has_current_task_btf(started) != 0 ? "current_task_btf" : "current_task_probe_read"]
        if pt_bpf_syscall_args_from_stack(started) != 0 { choices.append("syscall_args_from_stack") }
        hooks = HookMode(loaderValue: pt_bpf_hook_mode(started)) ?? .syscall
        hooksRefused = String(cString: pt_bpf_hooks_refused(started)).split(separator: "\n").map(String.init)
        attachedAt = UInt64(Clock.bootNanoseconds)
    }

    deinit {
        close()
    }

    public func close() {
        if let handle {
            pt_bpf_stop(handle)
            self.handle = nil
        }
        reads.stop()
    }

    /// Receives ring-buffer records for one source. It exists before the
    /// programs are loaded, so libbpf can be given it as the callback's context.
    private final class Receiver {
        var decoder: KernelRecordDecoder
        var counters = SourceCounters()
        var deliver: ((inout Event) -> Void)?

        init(decoder: KernelRecordDecoder) {
            self.decoder = decoder
        }

        @inline(__always)
        func handle(_ bytes: UnsafeRawBufferPointer) {
            do {
                var event = try decoder.decode(bytes)
                counters.received += 1
                deliver?(&event)
            } catch {
                counters.malformed += 1
            }
        }
    }

    private static let onRecord: pt_record_fn = { context, data, size in
        guard let context, let data else { return 0 }
        Unmanaged<Receiver>.fromOpaque(context).takeUnretainedValue()
            .handle(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    public func poll(timeoutMilliseconds: Int32, deliver: (inout Event) -> Void) throws -> Int {
        guard let handle else { return 0 }
        let before = receiver.counters.received
        let result = withoutActuallyEscaping(deliver) { escapable -> Int32 in
            receiver.deliver = escapable
            defer { receiver.deliver = nil }
            return timeoutMilliseconds == 0 ? pt_bpf_consume(handle) : pt_bpf_poll(handle, timeoutMilliseconds)
        }
        if result < 0 && result != -EINTR {
            throw SystemCallError("ring_buffer__poll", errno: -result)
        }
        let lost = pt_bpf_lost(handle)
        if lost > reportedLost {
            var event = Event(kind: .lost, time: Clock.realtimeNanoseconds)
            event.lostCount = lost - reportedLost
            receiver.counters.lostInKernel = lost
            reportedLost = lost
            deliver(&event)
        }
        return Int(receiver.counters.received - before)
    }

    /// One `exists` per process that started before the probes were
    /// attached, read from the kernel's task list by a BPF iterator (exact
    /// start times), completed with /proc (filename, argv, state).
    public func snapshot() throws -> [Event] {
        guard let handle else { return [] }
        let fd = pt_bpf_snapshot_fd(handle)
        guard fd >= 0 else { throw SystemCallError("bpf_iter_create", errno: -fd) }
        defer { Glibc.close(fd) }
        let bytes = try FileIO.readAll(fd: fd, name: "the BPF task iterator")
        typealias L = KernelRecordLayout
        var events: [Event] = []
        events.reserveCapacity(bytes.count / L.Exists.byteCount)
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset + L.Header.byteCount <= raw.count {
                // Each record says its size: the fixed part and its paths.
                let size = Int(raw.loadUnaligned(fromByteOffset: offset + L.Header.size, as: UInt32.self))
                guard size >= L.Exists.byteCount, offset + size <= raw.count else {
                    throw RecordDecodingError.sizeMismatch(declared: size, got: raw.count - offset)
                }
                var event = try receiver.decoder.decode(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + size)]))
                offset += size
                if event.startTime >= attachedAt { continue }
                if settings.excludedProcess != 0 && event.pid == settings.excludedProcess { continue }
                enrichFromProc(&event)
                events.append(event)
            }
        }
        // Later records' argv comes from the kernel: the readers end once the snapshot's are read.
        reads.retireWhenIdle()
        return events
    }

    /// filename and state now; argv by a ProcessReadPool worker (reading
    /// it takes the process's memory-map lock, which it can keep taken).
    private func enrichFromProc(_ event: inout Event) {
        guard let directory = ProcessDirectory(procFS, pid: event.pid), let stat = directory.stat(),
              stat.startedInTick(ofBootNanoseconds: event.startTime) else {
            event.unavailable.formUnion([.filename, .argv])
            return
        }
        if event.state == 0 { event.state = stat.state }
        if event.isKernelThread {
            event.filename = nil
            event.argv = nil
            return
        }
        if event.state == UInt8(ascii: "Z") {
            event.unavailable.formUnion([.filename, .argv])
            return
        }
        ProcSnapshot.readFilename(of: directory, into: &event)
        let limit = Int(min(settings.maxArgumentBytes, BPFSettings.argumentBytesCap))
        reads.submit(ProcessReadPool.Request(pid: event.pid, startTime: stat.startTimeApproximate,
                                             uid: event.credentials?.uid ?? UInt32.max, argumentLimit: limit,
                                             executable: false, pendingHash: event.enrichmentTicket),
                     exePath: nil, into: &event)
    }
}
