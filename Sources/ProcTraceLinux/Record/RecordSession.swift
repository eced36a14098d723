#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// Runs `record`: start the source, write `start`, the snapshot, then every
/// event until a stop signal or the duration; then drain, write `stop`, flush.
public final class RecordSession {
    public let configuration: RecordConfiguration
    private let makeSource: () throws -> EventSource
    private let notify: @Sendable (RecordNotice) -> Void
    /// When the network outputs give up delivering at the stop: one grace for all of them.
    private let networkStopDeadline = Deadline()

    /// `notify` hears what there is to tell while recording goes on (network outputs' senders too).
    public init(configuration: RecordConfiguration, makeSource: @escaping () throws -> EventSource,
                notify: @escaping @Sendable (RecordNotice) -> Void) {
        self.configuration = configuration
        self.makeSource = makeSource
        self.notify = notify
    }

    /// Records until a stop signal or the duration. Throws when recording
    /// cannot begin; otherwise says what could not be written or delivered.
    public func run() throws(RecordFailure) -> RecordOutcome {
        pt_signals_install()
        HeapSettings.keepLargeBlocksMapped()

        // Waiting to open the log (a FIFO nobody reads yet) ends like recording does.
        let openDeadline = configuration.duration.map { Clock.bootNanoseconds.addingSaturating(seconds: $0) }
        var announcedWait = false
        func keepWaiting(_ what: String) -> Bool {
            if !announcedWait {
                announcedWait = true
                notify(.waiting(what))
            }
            return pt_signals_received() == 0 && openDeadline.map { Clock.bootNanoseconds < $0 } != false
        }
        // A FIFO's reader that stalls holds a write only until a stop signal
        // or the duration, and then for a grace of two seconds to write what
        // was captured; after that, what cannot be written is counted.
        var stoppingSince: Int64?
        func keepWritingWhileBlocked() -> Bool {
            let now = Clock.bootNanoseconds
            let stopping = pt_signals_received() != 0 || openDeadline.map { now >= $0 } == true
            guard stopping else { return true }
            let since = stoppingSince ?? now
            stoppingSince = since
            return now - since < 2_000_000_000
        }
        var outputs: [(name: String, sink: LogSink)] = []
        var fileOutput: FileOutput?
        let say: @Sendable (String) -> Void = { [notify] in notify(.output($0)) }
        do {
            if let path = configuration.outputPath, let rotateBytes = configuration.rotateBytes {
                let file = try RotatingFileSink(
                    path: path, maximumBytes: rotateBytes, keep: configuration.rotateKeep,
                    compress: configuration.compressRotated, mode: configuration.fileMode, keepWaiting: keepWaiting)
                file.notices.forEach { notify(.output($0)) }
                file.onNotice = say
                fileOutput = FileOutput(file, name: path.text, format: configuration.formats[path.text], onNotice: say)
            } else if let path = configuration.outputPath {
                let file = try FileSink.appending(to: path, mode: configuration.fileMode, keepWaiting: keepWaiting)
                file.whileBlocked = keepWritingWhileBlocked
                file.notices.forEach { notify(.output($0)) }
                fileOutput = FileOutput(file, name: path.text, format: configuration.formats[path.text], watched: true, onNotice: say)
            } else {
                if configuration.networkOutputs.isEmpty {
                    let standardOutput = FileSink.standardOutput()
                    standardOutput.whileBlocked = keepWritingWhileBlocked
                    fileOutput = FileOutput(standardOutput, name: "standard output", format: configuration.formats["standard output"],
                                            watched: false, onNotice: say)
                }
            }
        } catch {
            throw .openingLog(error)
        }
        if let fileOutput { outputs.append((fileOutput.name, fileOutput.sink)) }
        let rotating = fileOutput?.rotating
        let reopenIfDeleted = fileOutput?.reopenIfDeleted
        let reopen = fileOutput?.reopen
        let network: [QueuedSink]
        do {
            network = try configuration.networkOutputs.map(makeNetworkSink)
        } catch {
            throw .openingNetworkOutput(error)
        }
        outputs += network.map { ($0.name, $0 as LogSink) }
        let sink: LogSink
        if outputs.count == 1 {
            // A rotating file alone: the Recorder rotates it through its formatting sink, if any.
            sink = outputs[0].sink
        } else {
            let fanOut = rotating.map { RotatingFanOutSink(outputs, rotating: $0) } ?? FanOutSink(outputs)
            fanOut.onFirstFailure = { [notify] member, error in notify(.outputFailed(name: member.name, error)) }
            sink = fanOut
        }
        // Outputs with a thread of their own: the network outputs' senders, a converted file's writer.
        let threaded: [ThreadedOutput] = network + (fileOutput?.threaded.map { [$0] } ?? [])
        defer { threaded.forEach { $0.stop() } }

        let source: EventSource
        do {
            source = try makeSource()
        } catch {
            throw .startingSource(error)
        }
        defer { source.close() }

        var transform = configuration.transform
        var metrics: RecordMetrics?
        var server: MetricsServer?
        let eventCounts = UnsafeMutablePointer<UInt64>.allocate(capacity: EventKind.allCases.count)
        eventCounts.initialize(repeating: 0, count: EventKind.allCases.count)
        defer { eventCounts.deallocate() }
        if let address = configuration.metricsListen {
            let published = RecordMetrics(version: ProcTraceVersion.current, backend: source.backendName)
            do {
                server = try MetricsServer(address: address, metrics: published)
            } catch {
                throw .startingMetrics(error)
            }
            metrics = published
            // Counted where written records pass (after the filter), `start` included.
            let redact = configuration.transform
            transform = { event in
                eventCounts[Int(event.kind.rawValue)] += 1
                redact?(&event)
            }
        }
        let enrichment = source.enricher.map {
            Recorder.Enrichment(enricher: $0, bounds: configuration.enrichment, clock: { Clock.monotonicNanoseconds })
        }
        let sealer: RecordSealer?
        do {
            sealer = try configuration.sealKeyPath.map { try RecordSealer(file: SealKeyFile(path: $0)) }
        } catch {
            throw .openingSealKey(error)
        }
        let rules = configuration.rules ?? []
        let reviewer = !rules.isEmpty || configuration.nameUsers
            ? ExecReviewPool(rules: rules, queueLimit: configuration.reviewQueue) : nil
        if reviewer == nil && (!rules.isEmpty || configuration.nameUsers) { throw .startingReviewer }
        defer { reviewer?.stop() }
        let review = reviewer.map {
            Recorder.Review(reviewer: $0, rules: rules, wait: configuration.reviewWait,
                            records: max(configuration.reviewQueue * 4, 1_024), clock: { Clock.monotonicNanoseconds })
        }
        let recorder = Recorder(source: source, sink: sink, parents: ProcParentLookup(),
                                filter: configuration.filter, transform: transform, enrichment: enrichment,
                                sealer: sealer, review: review)
        let ringGauge = metrics != nil && source is BPFEventSource
            ? RingBufferGauge(ringBytes: configuration.bpf.ringBufferBytes) : nil
        // At most ten times a second (a storm brings many small batches; a
        // scrape every second needs no more): one clock read per batch otherwise.
        var nextPublish: Int64 = 0
        func publishMetrics(force: Bool = false) {
            guard let metrics else { return }
            let now = Clock.monotonicNanoseconds
            guard force || now >= nextPublish else { return }
            nextPublish = now + 100_000_000
            metrics.publish { values in
                for index in values.recordsByEvent.indices { values.recordsByEvent[index] = eventCounts[index] }
                values.lost = recorder.lostTotal
                values.unwritten = recorder.unwritten
                values.processes = UInt64(recorder.tree.count)
                values.hashSkipped = source.enricher?.skipped
                values.hashWorkersAbandoned = source.enricher?.workersAbandoned ?? 0
                values.recordsHeld = UInt64(recorder.heldCount)
                if let reviewer {
                    values.reviews = RecordMetrics.Reviews(
                        rules: rules.map { ($0.id, $0.level) }, alertsByRule: recorder.alertsByRule,
                        skipped: reviewer.skipped, queued: UInt64(reviewer.queuedCount),
                        awaiting: UInt64(recorder.awaitingCount))
                }
                if source is BPFEventSource { values.ringBufferSize = UInt64(configuration.bpf.ringBufferBytes) }
                values.ringBufferUsed = ringGauge?.usedBytes
                values.outputs = outputs.map { output in
                    if let own = output.sink as? ThreadedOutput { return (output.name, own.snapshot) }
                    var counters = OutputCounters()
                    let failed = (sink as? FanOutSink)?.members.first { $0.sink === output.sink }?.failed ?? recorder.unwritten
                    counters.sent = recorder.written + recorder.unwritten - min(failed, recorder.written + recorder.unwritten)
                    counters.dropped = failed
                    return (output.name, counters)
                }
            }
        }
        defer { server?.stop() }
        var stream = StreamInfo(
            backend: source.backendName, host: HostInfo.hostName, bootID: ProcFS().bootID(),
            kernel: HostInfo.kernelRelease, proctraceVersion: ProcTraceVersion.current,
            recorderPid: getpid())
        stream.bpfChoices = (source as? BPFEventSource)?.choices
        if let bpf = source as? BPFEventSource {
            stream.hooks = bpf.hooks.rawValue
            stream.hooksRefused = bpf.hooksRefused
            stream.unavailableEvents = bpf.hooks.unavailableEvents
        } else {
            stream.unavailableEvents = [EventKind.execFailed.name]
        }

        var reportedWriteError = false
        func reportWriteError(_ error: Error) {
            guard !reportedWriteError else { return }
            reportedWriteError = true
            notify(.writeFailed(error))
        }

        do {
            try recorder.start(stream, time: Clock.realtimeNanoseconds)
        } catch {
            throw .writingStart(error)
        }
        do {
            try recorder.record(snapshot: source.snapshot())
        } catch let error as LogWriteFailure {
            reportWriteError(error)
        } catch {
            notify(.snapshotFailed(error))
        }
        if configuration.dropCapabilitiesAfterStart {
            dropCapabilities(for: source, reviewer: reviewer)
        }
        // Senders start after the drop: a thread keeps the capabilities it was created with.
        // They start with the stop and reopen signals blocked, which then interrupt only this thread.
        pt_signals_hold(1)
        threaded.forEach { $0.start() }
        publishMetrics()
        server?.start()
        pt_signals_hold(0)

        let deadline = configuration.duration.map { Clock.bootNanoseconds.addingSaturating(seconds: $0) }
        // Whether someone deleted the log: one fstat a second, never per record.
        var nextOutputCheck = Clock.bootNanoseconds
        var outputLost = false
        var sourceFailed = false
        while pt_signals_received() == 0 {
            let now = Clock.bootNanoseconds
            if let deadline, now >= deadline { break }
            if pt_signals_take_reopen() != 0 {
                // SIGHUP: logrotate's convention with a log file. Without one, the terminal
                // hanging up ends recording; anywhere else (a unit with network outputs only,
                // HUPed by a logrotate stanza) there is nothing to reopen and nothing to stop for.
                if let reopen {
                    // The renamed file's last line is a seal, as with record's own rotation.
                    if sealer != nil {
                        recorder.seal(.rotation)
                        try? recorder.flush()
                    }
                    do {
                        try reopen().forEach { notify(.output($0)) }
                    } catch {
                        notify(.output("cannot reopen the log on SIGHUP: \(error); records go on into the file opened before"))
                    }
                } else if isatty(STDOUT_FILENO) == 1 || isatty(STDERR_FILENO) == 1 {
                    break
                }
            }
            if let reopenIfDeleted, now >= nextOutputCheck {
                nextOutputCheck = now.addingSaturating(seconds: 1)
                do {
                    if let notice = try reopenIfDeleted() { notify(.output(notice)) }
                } catch {
                    notify(.outputLost(error))
                    outputLost = true
                    break
                }
            }
            defer { publishMetrics() }
            do {
                try recorder.pump(timeoutMilliseconds: configuration.pollIntervalMilliseconds)
            } catch let error as LogWriteFailure {
                reportWriteError(error)
                if error.errno == EPIPE { break }
            } catch is RotationFailure {
                continue  // said by the sink's onNotice; the current file goes on
            } catch {
                notify(.readingFailed(error))
                sourceFailed = true
                break
            }
        }

        do {
            try recorder.finish(time: Clock.realtimeNanoseconds)
        } catch {
            reportWriteError(error)
        }
        if let sealer {
            if !sealer.close() {
                notify(.output("the seal key state could not be saved within 2 s: the next run's first seal will not "
                    + "chain to this run's last"))
            }
            if let error = sealer.storeError { notify(.output("saving the seal key state failed: \(error)")) }
        }
        threaded.forEach { $0.stop() }
        publishMetrics(force: true)
        var outcome = RecordOutcome()
        outcome.spooled = configuration.spoolDirectory != nil
        for output in threaded {
            let counts = output.snapshot
            if counts.dropped > 0 || counts.waiting > 0 {
                outcome.undelivered.append(.init(name: output.name, counters: counts))
            }
        }
        if let fanOut = sink as? FanOutSink {
            for member in fanOut.members where member.failed > 0 && !(member.sink is ThreadedOutput) {
                outcome.failedOutputs.append((member.name, member.failed))
            }
        }
        outcome.unwritten = recorder.unwritten
        outcome.outputLost = outputLost
        outcome.sourceFailed = sourceFailed
        return outcome
    }

    private func makeNetworkSink(_ target: OutputTarget) throws -> QueuedSink {
        var transport: RecordTransport
        switch target {
        case .journal: transport = JournalTransport()
        case .syslog(.tls(let host, let port)):
            let tls: TLSClientConfiguration
            do {
                tls = try TLSClientConfiguration(configuration.tls)
            } catch {
                throw DeliveryError("\(target): \(error)")
            }
            transport = SyslogTransport(endpoint: .tls(host: host, port: port), tls: tls)
        case .syslog(.relp(let host, let port)): transport = RELPTransport(host: host, port: port)
        case .syslog(let endpoint): transport = SyslogTransport(endpoint: endpoint)
        case .file: throw DeliveryError("\(target): not a network output")
        }
        if let format = configuration.formats[target.description], format != .proctrace {
            transport = FormattingTransport(transport, format: format)
        }
        let queue: RecordQueue
        if let directory = configuration.spoolDirectory {
            let own = directory + "/" + target.spoolName
            do {
                let trusted = try SpoolDirectory(path: directory).subdirectory(target.spoolName)
                let spool = try DiskSpool(trusted, capacity: Int(clamping: configuration.spoolBytes))
                if spool.pendingBytes > 0 {
                    notify(.networkOutput("\(target): \(spool.pendingBytes) bytes of records from an earlier run wait in \(own); sending them first"))
                }
                queue = spool
            } catch {
                throw DeliveryError("cannot open the spool for \(target): \(error) (check --spool)")
            }
        } else {
            queue = MemoryRecordQueue(capacity: configuration.memoryQueueBytes)
        }
        let sink = QueuedSink(transport: transport, queue: queue, stopDeadline: networkStopDeadline)
        sink.onTrouble = { [notify] in notify(.networkOutput($0)) }
        return sink
    }

    private func dropCapabilities(for source: EventSource, reviewer: ExecReviewPool?) {
        do {
            let keep = BackendPrivileges.neededAfterStart(by: source)
            try CapabilityDrop.limit(to: keep)
            // Capabilities are per thread: the enrichment workers started before this one dropped them.
            (source.enricher as? ProcessReadPool)?.limitCapabilities(to: keep)
            reviewer?.limitCapabilities(to: keep)
        } catch {
            notify(.capabilitiesKept(error))
        }
    }
}

extension Int64 {
    /// A boot-clock time `seconds` later, at most Int64.max (durations are
    /// checked where they are given; this keeps the sum from trapping).
    fileprivate func addingSaturating(seconds: Double) -> Int64 {
        let nanoseconds = seconds * 1e9
        guard nanoseconds.isFinite, nanoseconds < 9.2e18 else { return .max }
        let (sum, overflow) = addingReportingOverflow(Int64(Swift.max(nanoseconds, 0)))
        return overflow ? .max : sum
    }
}
