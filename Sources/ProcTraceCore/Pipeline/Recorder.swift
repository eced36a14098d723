/// The record pipeline: source → tree → re-parenting → filter → JSON line →
/// buffered write. It owns the tree, the re-parent tracker and the filter.
///
/// Every record it writes — a live event, a `reparent` it derived, the
/// `start` and `exists` heading a rotated file, `stop` — goes through
/// `emit` (filter, transform, numbering, encoding), and every line leaves
/// the buffer through `writeBuffer`, the one place that counts what was
/// written and what was lost. So `nextSeq - 1 == written + unwritten` (plus
/// what is still buffered) holds whatever fails.
///
/// One encoded batch per poll goes out in a single write; nothing on the
/// per-event path allocates except what an exec's strings need.
///
/// The properties touched per event are exempt from Swift's run-time
/// exclusivity checks (each checked access is a call into the runtime; with
/// them the pipeline ran at half speed, measured with callgrind). The
/// Recorder is used from one thread and never hands out overlapping accesses.
public final class Recorder {
    public let source: EventSource
    public let tree: ProcessTree
    private let reparents: ReparentTracker
    /// Asked, at stop, which exited processes the kernel has released already.
    private let parents: ParentLookup
    private let sink: LogSink
    private let rotatingSink: RotatingLogSink?
    /// The sink, when it writes on a thread of its own (its failures come later).
    private let deferredSink: DeferredLogSink?
    /// Decides which process records are written (all are applied to the
    /// tree); stream records (`start`, `stop`, `lost`, `resync`) always are.
    private let filter: ((Event, ProcessTree) -> Bool)?
    /// Runs on each record before it is written (e.g. redaction); nil costs nothing.
    private let transform: ((inout Event) -> Void)?
    private let encoder = JSONLineEncoder()
    private let buffer: ByteBuffer
    private let flushThreshold: Int
    /// Flush once the buffer holds this much: the buffer's threshold, or
    /// less when the log file should rotate sooner (so files end near their size).
    @exclusivity(unchecked) private var flushAt: Int
    /// `reparent` records found after an event, reused from event to event.
    @exclusivity(unchecked) private var derived: [Event] = []

    @exclusivity(unchecked) public private(set) var nextSeq: UInt64 = 1
    /// Sequence number of the first line in the buffer (the buffer holds
    /// `bufferStartSeq..<nextSeq`).
    @exclusivity(unchecked) private var bufferStartSeq: UInt64 = 1
    public private(set) var written: UInt64 = 0
    @exclusivity(unchecked) public private(set) var lostTotal: UInt64 = 0
    /// Records encoded but lost to a write error (full disk, closed pipe).
    public private(set) var unwritten: UInt64 = 0
    @exclusivity(unchecked) private var lastEventTime: Int64 = 0
    private var stream: StreamInfo?
    /// Sequence number of the newest `start` (the head of the current file).
    private var startSeq: UInt64 = 1
    /// Records after that `start` lost to a write error.
    private var unwrittenSinceStart: UInt64 = 0
    public private(set) var rotations = 0
    /// Bytes of records the current file must take before it may rotate:
    /// its heads' size when the live processes alone filled it, else 0.
    private var minimumRecordBytes = 0
    /// Bytes written to the current file after its heads.
    private var bytesAfterHeads = 0
    /// Completes records off this thread (exe hashes); nil: records never wait.
    private let enrichment: Enrichment?
    /// Records waiting, in order, behind one whose enrichment is not done.
    @exclusivity(unchecked) private var held = HeldRecords()
    /// Seals the lines as they go out (`seal` records, docs/sealing.md); nil: no sealing.
    private let sealer: StreamSealer?
    /// Bytes at the head of the buffer the sealer has taken already.
    private var sealerTook = 0
    /// Sequence number of the last `seal` (0: none yet in this recording).
    private var lastSealSeq: UInt64 = 0
    /// Reviews execs after the tree has them (rules, user names); nil: none.
    private let review: Review?
    /// The images processes run and their ancestry, for the reviewer (with rules).
    private let images: SigmaHunter?
    /// Records applied to the tree and waiting, in order, behind an exec under review.
    @exclusivity(unchecked) private var awaiting = HeldRecords()
    /// The uids a `user` record names already (or a review will).
    private var namedUIDs: Set<UInt32> = []
    /// `alert` records written, by the rule's index in `review.rules`.
    public private(set) var alertsByRule: [UInt64] = []
    /// Records numbered (past the filter, `start` included), by `EventKind.rawValue`: what metrics call written.
    @exclusivity(unchecked) public private(set) var recordsByKind = [UInt64](repeating: 0, count: EventKind.allCases.count)

    /// What reviews execs, the rules it evaluates (their order is the
    /// verdicts'), and how long and how many records wait for a verdict.
    public struct Review {
        public let reviewer: ExecReviewer
        public let rules: [SigmaRule]
        public let wait: Int64
        public let records: Int
        public let clock: () -> Int64

        public init(reviewer: ExecReviewer, rules: [SigmaRule], wait: Int64 = 250_000_000, records: Int = 16_384,
                    clock: @escaping () -> Int64) {
            self.reviewer = reviewer
            self.rules = rules
            self.wait = wait
            self.records = max(records, 1)
            self.clock = clock
        }
    }

    /// uids named at most: past that, no more `user` records (a root process can take any uid).
    static let namedUIDLimit = 65_536

    /// An enricher, how long records may wait for it, and the monotonic
    /// clock (nanoseconds) their deadlines are read on.
    public struct Enrichment {
        public let enricher: EventEnricher
        public let bounds: EnrichmentBounds
        public let clock: () -> Int64

        public init(enricher: EventEnricher, bounds: EnrichmentBounds = EnrichmentBounds(), clock: @escaping () -> Int64) {
            self.enricher = enricher
            self.bounds = bounds
            self.clock = clock
        }
    }

    /// While records are held, the source is polled at least this often, so
    /// a finished hash is not kept waiting for the next kernel record.
    static let heldPollMilliseconds: Int32 = 5

    /// - Parameters:
    ///   - parents: asked who a process's parent is now, to record the moves
    ///     the kernel makes when a parent exits (ProcParentLookup on Linux).
    ///   - filter: which process records to write.
    ///   - transform: applied to each record before it is written.
    public init(source: EventSource, sink: LogSink, parents: ParentLookup,
                filter: ((Event, ProcessTree) -> Bool)? = nil, transform: ((inout Event) -> Void)? = nil,
                tree: ProcessTree = ProcessTree(), bufferCapacity: Int = 256 * 1024, enrichment: Enrichment? = nil,
                sealer: StreamSealer? = nil, review: Review? = nil) {
        self.review = review
        images = review.flatMap { $0.reviewer.evaluatesRules ? SigmaHunter(rules: []) : nil }
        alertsByRule = [UInt64](repeating: 0, count: review?.rules.count ?? 0)
        self.enrichment = enrichment
        self.sealer = sealer
        self.source = source
        self.sink = sink
        rotatingSink = sink as? RotatingLogSink
        deferredSink = sink as? DeferredLogSink
        self.tree = tree
        reparents = ReparentTracker(lookup: parents)
        self.parents = parents
        self.filter = filter
        self.transform = transform
        buffer = ByteBuffer(capacity: bufferCapacity)
        flushThreshold = bufferCapacity - 4096
        flushAt = flushThreshold
        updateFlushPoint()
    }

    /// Children whose move to a new parent is not visible yet.
    public var pendingReparentCount: Int { reparents.pendingCount }

    private func updateFlushPoint() {
        if let rotatingSink {
            let room = max(rotatingSink.bytesBeforeRotation, minimumRecordBytes - bytesAfterHeads)
            flushAt = max(1, min(flushThreshold, room))
        }
    }

    /// Writes and flushes the `start` record (call once the source is listening).
    public func start(_ stream: StreamInfo, time: Int64) throws {
        self.stream = stream
        lastEventTime = time
        beginFile(stream)
        try flush()
    }

    /// Applies and writes the snapshot of running processes.
    public func record(snapshot: [Event]) throws {
        for var event in snapshot {
            if held.isEmpty && event.enrichmentTicket == 0 {
                apply(&event)
            } else {
                hold(event, wait: enrichment?.bounds.snapshotWait ?? 0)
            }
        }
        review?.reviewer.wake()
        try flush()
    }

    /// Polls the source once and writes what arrived. Returns events delivered.
    @discardableResult
    public func pump(timeoutMilliseconds: Int32) throws -> Int {
        let timeout = held.isEmpty && awaiting.isEmpty ? timeoutMilliseconds : min(timeoutMilliseconds, Recorder.heldPollMilliseconds)
        let count = try source.poll(timeoutMilliseconds: timeout) { event in
            self.process(&event)
        }
        if let enrichment {
            for var warning in enrichment.enricher.takeWarnings() { process(&warning) }
            if !held.isEmpty { releaseReady(now: enrichment.clock()) }
        }
        // The reviewer starts on the batch's execs (one wake-up, not one an exec); a process() outside a pump is
        // reviewed from the next pump on, a few milliseconds later at most (a held record shortens the poll).
        review?.reviewer.wake()
        if let review, !awaiting.isEmpty { releaseReviewed(now: review.clock()) }
        // Re-parenting reads the tree: only once every record before now is in it.
        if held.isEmpty {
            reparents.retryPending(in: tree, now: lastEventTime, into: &derived)
            writeDerived()
        }
        if let sealer, sealer.intervalEnded() != nil { seal(.interval) }
        try flush()
        return count
    }

    /// Processes one event as if it came from the source: at once, or after
    /// the held records before it (order is never given up).
    @inline(__always)
    public func process(_ event: inout Event) {
        if held.isEmpty && event.enrichmentTicket == 0 {
            apply(&event)
        } else {
            hold(event, wait: enrichment?.bounds.wait ?? 0)
        }
    }

    /// Holds a record behind the ones waiting; past the bounds the oldest
    /// goes out without its enrichment (never is a record dropped).
    private func hold(_ event: Event, wait: Int64) {
        guard let enrichment else {
            var event = event
            event.enrichmentTicket = 0
            apply(&event)
            return
        }
        let deadline = event.enrichmentTicket == 0 ? 0 : enrichment.clock() &+ wait
        held.hold(event, until: deadline)
        let bounds = enrichment.bounds
        while held.count > bounds.records || held.bytes > bounds.bytes {
            releaseHead(giveUp: .queueFull)
        }
    }

    /// Sends on, in order, every held record whose enrichment is done or
    /// whose wait is over; stops at the first still worth waiting for.
    private func releaseReady(now: Int64, force reason: HashSkipReason? = nil) {
        while let deadline = held.headDeadline {
            if held.headNeedsEnrichment, let enricher = enrichment?.enricher,
               !held.withHead({ enricher.complete(&$0) }) {
                guard let giveUp = reason ?? (now >= deadline ? .timeout : nil) else { return }
                held.withHead { enricher.giveUp(&$0, because: giveUp) }
            }
            var event = held.releaseHead()
            if !event.isWithdrawn { apply(&event) }
        }
    }

    private func releaseHead(giveUp reason: HashSkipReason) {
        if held.headNeedsEnrichment, let enricher = enrichment?.enricher,
           !held.withHead({ enricher.complete(&$0) }) {
            held.withHead { enricher.giveUp(&$0, because: reason) }
        }
        var event = held.releaseHead()
        if !event.isWithdrawn { apply(&event) }
    }

    /// Records held now.
    public var heldCount: Int { held.count }

    @inline(__always)
    private func apply(_ event: inout Event) {
        // A child's move that this record settles is written before it (causal order).
        if reparents.hasPending {
            reparents.moves(before: event, into: &derived)
            writeDerived()
        }
        if event.kind == .exit {
            reparents.unreportedMove(before: event, in: tree, into: &derived)
            writeDerived()
        }
        tree.apply(&event)
        if event.kind == .lost { lostTotal += event.lostCount ?? 0 }
        write(&event)
        if reparents.isInterested(in: event) {
            reparents.moves(after: event, in: tree, into: &derived)
            writeDerived()
        }
    }

    /// Applies and writes the `reparent` records the tracker found.
    private func writeDerived() {
        guard !derived.isEmpty else { return }
        for index in derived.indices {
            tree.apply(&derived[index])
            write(&derived[index])
        }
        derived.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func write(_ event: inout Event) {
        if event.time > lastEventTime { lastEventTime = event.time }
        guard let review else {
            emit(&event)
            if buffer.count >= flushAt { try? flush() }
            return
        }
        // Filtered on the tree of this moment, before any wait: by the time a held record goes out, its process may be gone.
        if let filter, event.kind.isProcessRecord, !filter(event, tree) {
            _ = images?.prepare(event, in: tree, ancestry: false)
            return
        }
        if holdForReview(event, review) { return }
        emit(&event, filtered: true)
        if buffer.count >= flushAt { try? flush() }
    }

    /// The one way into the log: filter (unless `filtered` already), transform, number, encode.
    @inline(__always)
    private func emit(_ event: inout Event, filtered: Bool = false) {
        if !filtered, let filter, event.kind.isProcessRecord, !filter(event, tree) { return }
        if let transform { transform(&event) }
        recordsByKind[Int(event.kind.rawValue)] &+= 1
        event.seq = nextSeq
        nextSeq += 1
        encoder.append(event, to: buffer)
    }

    /// Hands an exec to the reviewer and holds it, and holds every record
    /// behind one held (the tree has them all already). True: held.
    private func holdForReview(_ event: Event, _ review: Review) -> Bool {
        let exec = images?.prepare(event, in: tree, ancestry: true)
        if event.kind == .exec {
            var uids: [UInt32] = []
            if let credentials = event.credentials, namedUIDs.count < Recorder.namedUIDLimit {
                if !namedUIDs.contains(credentials.uid) { uids.append(credentials.uid) }
                if credentials.euid != credentials.uid && !namedUIDs.contains(credentials.euid) { uids.append(credentials.euid) }
            }
            if exec != nil || !uids.isEmpty {
                let ticket = review.reviewer.submit(exec ?? SigmaExec(event: event, parent: nil, ancestry: []),
                                                    evaluate: exec != nil, uids: uids)
                if ticket != 0 {
                    namedUIDs.formUnion(uids)
                    var held = event
                    held.enrichmentTicket = ticket
                    awaitRecord(held, until: review.clock() &+ review.wait, review)
                    return true
                }
            }
        }
        guard !awaiting.isEmpty else { return false }
        var held = event
        held.enrichmentTicket = 0
        awaitRecord(held, until: 0, review)
        return true
    }

    private func awaitRecord(_ event: Event, until deadline: Int64, _ review: Review) {
        awaiting.hold(event, until: deadline)
        while awaiting.count > review.records { releaseReviewedHead(giveUp: .held) }
    }

    /// Writes, in order, every awaiting record whose review is done or whose
    /// wait is over; stops at the first exec still worth waiting for. Does not
    /// flush (the caller does): a rotation never starts in the middle.
    private func releaseReviewed(now: Int64, force reason: ReviewSkipReason? = nil) {
        guard let review else { return }
        while let deadline = awaiting.headDeadline {
            var verdict: ExecVerdict?
            if awaiting.headNeedsEnrichment {
                let ticket = awaiting.withHead { $0.enrichmentTicket }
                verdict = review.reviewer.take(ticket)
                if verdict == nil {
                    guard let giveUp = reason ?? (now >= deadline ? .timeout : nil) else { return }
                    review.reviewer.giveUp(ticket, because: giveUp)
                }
            }
            releaseReviewedHead(verdict)
        }
    }

    /// Releases the oldest awaiting record now, its review given up if not done.
    private func releaseReviewedHead(giveUp reason: ReviewSkipReason) {
        guard let review else { return }
        var verdict: ExecVerdict?
        if awaiting.headNeedsEnrichment {
            let ticket = awaiting.withHead { $0.enrichmentTicket }
            verdict = review.reviewer.take(ticket)
            if verdict == nil { review.reviewer.giveUp(ticket, because: reason) }
        }
        releaseReviewedHead(verdict)
    }

    /// Writes the oldest awaiting record: the names of new uids first, then it, then its alerts.
    private func releaseReviewedHead(_ verdict: ExecVerdict?) {
        guard let review else { return }
        var event = awaiting.releaseHead()
        event.enrichmentTicket = 0
        guard let verdict else {
            emit(&event, filtered: true)
            return
        }
        // A uid's name before the first exec under it: a reader knows `User` when it reads the exec.
        for user in verdict.users {
            var record = Event(kind: .user, time: event.time)
            record.user = user
            emit(&record)
        }
        emit(&event, filtered: true)
        for index in verdict.matched where review.rules.indices.contains(index) {
            let rule = review.rules[index]
            alertsByRule[index] += 1
            var alert = Event(kind: .alert, time: event.time, pid: event.pid, startTime: event.startTime)
            alert.alert = AlertInfo(ruleID: rule.id, title: rule.title, level: rule.level, tags: rule.tags,
                                    execSeq: event.seq, ancestry: verdict.ancestry)
            emit(&alert)
        }
    }

    /// Records waiting for a review now.
    public var awaitingCount: Int { awaiting.count }

    /// Numbers and buffers a `start`: the records after it are the new file's.
    private func beginFile(_ stream: StreamInfo) {
        startSeq = nextSeq
        unwrittenSinceStart = 0
        var start = Event(kind: .start, time: lastEventTime)
        start.stream = stream
        emit(&start)
    }

    /// Writes the buffered lines in one call and rotates the file when it is
    /// full. On a write error the lines are counted as unwritten and the
    /// error thrown; recording goes on.
    public func flush() throws {
        try writeBuffer()
        if let rotatingSink, rotatingSink.needsRotation, bytesAfterHeads >= minimumRecordBytes {
            if !awaiting.isEmpty {
                // The next file's `exists` heads describe the tree, which has these records already.
                releaseReviewed(now: .max, force: .rotation)
                try writeBuffer()
            }
            if sealer != nil {
                // The file's last line: the next file's first seal chains to it.
                seal(.rotation)
                try writeBuffer()
            }
            try rotate(rotatingSink)
        }
        updateFlushPoint()
    }

    /// The one place lines leave the buffer, and are counted as written or unwritten.
    private func writeBuffer() throws {
        guard !buffer.isEmpty else { return }
        feedSealer()
        defer {
            buffer.removeAll()
            bufferStartSeq = nextSeq
            sealerTook = 0
        }
        do {
            try sink.write(buffer.bytes)
            written += nextSeq - bufferStartSeq
            bytesAfterHeads += buffer.count
        } catch {
            let kept = (error as? LogWriteFailure).map { linesIn(prefix: $0.keptBytes) } ?? 0
            written += kept
            countUnwritten(from: bufferStartSeq + kept)
            throw error
        }
    }

    /// Records `firstLost..<nextSeq` never reached the log.
    private func countUnwritten(from firstLost: UInt64) {
        unwritten += nextSeq - firstLost
        // The file's own `start` is not one of the events its `stop` counts.
        let firstEvent = max(firstLost, startSeq + 1)
        if nextSeq > firstEvent { unwrittenSinceStart += nextSeq - firstEvent }
    }

    private func linesIn(prefix length: Int) -> UInt64 {
        var lines: UInt64 = 0
        for byte in UnsafeRawBufferPointer(rebasing: buffer.bytes.prefix(length)) where byte == 0x0a { lines += 1 }
        return lines
    }

    /// The next file starts with `start` and every live process as `exists`,
    /// numbered on from the last record of the previous file.
    private func rotate(_ sink: RotatingLogSink) throws {
        try sink.rotate()
        rotations += 1
        unwrittenSinceStart = 0
        minimumRecordBytes = 0
        bytesAfterHeads = 0
        guard let stream else { return }
        beginFile(stream)
        // Buffered whole, however many: a file never starts with part of its heads.
        for var exists in tree.existsEvents(time: lastEventTime) {
            emit(&exists)
        }
        let headBytes = buffer.count
        try writeBuffer()
        // When the live processes alone fill a file, it still takes as many
        // bytes of new records before the next rotation: otherwise every
        // flush would start a file holding nothing but heads.
        minimumRecordBytes = sink.needsRotation ? headBytes : 0
        bytesAfterHeads = 0
    }

    /// Held records get what is left of their wait, at most a second (a stop
    /// is due within two, whatever the enricher is doing), then go out.
    private func releaseHeld() {
        if let enrichment, !held.isEmpty {
            let giveUpAt = enrichment.clock() &+ min(enrichment.bounds.wait, Recorder.finishWait)
            // The rounds bound it too, should a source return at once and the clock stand still.
            var rounds = 0
            while !held.isEmpty && enrichment.clock() < giveUpAt && rounds < 1000 {
                _ = try? pump(timeoutMilliseconds: Recorder.heldPollMilliseconds)
                rounds += 1
            }
            releaseReady(now: .max, force: .timeout)
            reparents.retryPending(in: tree, now: lastEventTime, into: &derived)
            writeDerived()
        }
        if let review, !awaiting.isEmpty {
            let giveUpAt = review.clock() &+ min(review.wait, Recorder.finishWait)
            var rounds = 0
            while !awaiting.isEmpty && review.clock() < giveUpAt && rounds < 1000 {
                _ = try? pump(timeoutMilliseconds: Recorder.heldPollMilliseconds)
                rounds += 1
            }
            releaseReviewed(now: .max, force: .timeout)
        }
    }

    static let finishWait: Int64 = 1_000_000_000

    /// At stop, how long (ns) the reaps of processes released already may keep it waiting.
    static let reapGrace: Int64 = 500_000_000

    /// Before `stop`: the reap of every process the log shows exited and the
    /// kernel has released already (gone from /proc) is waited for, at most
    /// `reapGrace`. A release left to `sched_process_free` (every wait with
    /// sched hooks) is recorded after an RCU grace period, milliseconds after
    /// the wait returned, and netlink infers a reap on its next round: without
    /// the wait a process waited for just before the stop had no reap. One
    /// still missing then is said in a `warning` (`reaps_missing`).
    private func awaitReleasedReaps() {
        var released = tree.allNodes.filter { $0.isZombie && parents.parent(of: $0.processID) == .gone }.map(\.processID)
        if !released.isEmpty { source.lookForReaps(of: released) }
        let clock = enrichment?.clock ?? review?.clock
        let giveUpAt = clock.map { $0() &+ Recorder.reapGrace }
        // The rounds bound it too (at most 100 polls of 5 ms), should there be no clock or should it stand still.
        var rounds = 0
        while true {
            released.removeAll { tree.node($0) == nil }
            guard !released.isEmpty, rounds < 100, giveUpAt.map({ clock!() < $0 }) ?? true else { break }
            _ = try? pump(timeoutMilliseconds: Recorder.heldPollMilliseconds)
            rounds += 1
        }
        guard !released.isEmpty else { return }
        var warning = Event(kind: .warning, time: lastEventTime)
        warning.notice = Notice(
            code: "reaps_missing",
            message: "\(released.count) processes released before the stop have no reap record (it did not arrive "
                + "within \(Recorder.reapGrace / 1_000_000) ms of the stop): pids "
                + released.prefix(20).map { String($0.pid) }.joined(separator: " ") + (released.count > 20 ? " …" : ""))
        process(&warning)
    }

    /// Drains what the source still holds, then writes `stop` and flushes.
    public func finish(time: Int64, drainLimit: Int = 64) throws {
        // A write that fails in this drain (the disk filling with what the ring still held) is counted like any
        // other, and its error is the one thrown at the end: it names the cause, which the stop's own writes,
        // after the sink cut the failed batch back to whole lines, may not meet again.
        var failure: Error?
        for _ in 0..<drainLimit {
            do {
                if try pump(timeoutMilliseconds: 0) == 0 { break }
            } catch {
                failure = failure ?? error
            }
        }
        awaitReleasedReaps()
        releaseHeld()
        if let late = deferredSink?.settle() {
            // Handed over and counted written, but the file did not take them.
            written -= min(late.lost, written)
            unwritten += late.lost
            unwrittenSinceStart += late.sinceRotation
        }
        var stop = Event(kind: .stop, time: max(time, lastEventTime))
        if let skipped = enrichment?.enricher.skipped, skipped.total > 0 {
            stop.notice = Notice(hashSkipped: skipped.summary)
        }
        if let skipped = review?.reviewer.skipped, skipped.total > 0 {
            var notice = stop.notice ?? Notice()
            notice.reviewSkipped = ReviewSkipReason.allCases.filter { skipped[$0] > 0 }.map { "\($0.name): \(skipped[$0])" }
            stop.notice = notice
        }
        // Everything numbered since this file's `start`, less what never reached the log.
        stop.eventCount = nextSeq - startSeq - 1 - unwrittenSinceStart
        stop.lostCount = lostTotal
        stop.unwrittenCount = unwritten
        emit(&stop)
        // The seal comes last, after a rotation the flush may do: nothing follows it.
        do { try flush() } catch { failure = failure ?? error }
        if sealer != nil {
            seal(.stop)
            do { try writeBuffer() } catch { failure = failure ?? error }
        }
        // Flushed whatever failed before (a rotation that could not be done leaves the current file writable).
        do { try sink.flush() } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    /// Hands the sealer the buffered lines it has not taken yet.
    private func feedSealer() {
        guard let sealer, buffer.count > sealerTook else { return }
        sealer.absorb(UnsafeRawBufferPointer(rebasing: buffer.bytes[sealerTook...]))
        sealerTook = buffer.count
    }

    /// Buffers a `seal` record over the lines since the last one (nothing
    /// without a sealer). The record is encoded as any other, then its MAC,
    /// over the line up to the MAC's value, is written into its place.
    public func seal(_ trigger: SealInfo.Trigger) {
        guard let sealer else { return }
        feedSealer()
        let (info, time) = sealer.nextSeal(trigger: trigger, lines: nextSeq - lastSealSeq - 1)
        var event = Event(kind: .seal, time: max(time, lastEventTime))
        event.seal = info
        let lineStart = buffer.count
        lastSealSeq = nextSeq
        emit(&event)
        // The line ends `"mac":"<64 hex digits>"}` and a newline.
        let macStart = buffer.count - 3 - 64
        let mac = sealer.authenticate(prefix: UnsafeRawBufferPointer(start: buffer.base + lineStart, count: macStart - lineStart))
        let hex = ByteBuffer(capacity: 64)
        mac.appendHex(to: hex)
        (buffer.base + macStart).update(from: hex.base, count: 64)
        sealerTook = buffer.count
    }
}
