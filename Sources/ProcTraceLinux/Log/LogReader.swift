#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// Reads one or more log files as one stream of events, in order, with
/// bounded memory, knowing at every moment which FILE:LINE it is at.
///
/// - A last line without its newline (the writer was killed mid-record) is
///   reported through `warn` and ignored.
/// - A line that does not decode throws `FILE:LINE: reason`, or, with
///   `skipInvalid`, is counted in `invalidLineCount` and passed over. A `start`
///   record of a newer schema is never passed over.
/// - Blank lines are passed over.
/// - The same file named twice (by two names, or twice by one) is read once, with a warning.
/// - A `seq` that goes backwards other than at a `start` record (two recorders
///   appending to one file, or files out of order) is warned about, once per file.
/// - Pipes and FIFOs are opened once and read once: ordering the files only
///   looks at lines still to be read.
///
/// Used from one thread; the state touched per record skips the run-time
/// exclusivity checks (a runtime call per access, ~1,400 instructions a line).
public final class LogReader: RecordLog {
    /// In the order they are read, each file once.
    @exclusivity(unchecked) public private(set) var paths: [String]
    public let skipInvalid: Bool
    /// Lines passed over with `skipInvalid`.
    @exclusivity(unchecked) public private(set) var invalidLineCount = 0
    /// The first of them, to show the user what was wrong.
    @exclusivity(unchecked) public private(set) var firstInvalidLine: LogReadError?
    /// Every input is a regular file: a second reader over the same paths reads the same records.
    public let canBeReadAgain: Bool

    private let warn: (String) -> Void
    private let decoder: JSONLineDecoder
    private let decodingThreads: Int
    private let keepingCanonicalLines: Bool
    private let annotator: RecordAnnotator?
    /// Decoding the current file ahead (decodingThreads > 0), the chunk being handed out and its place.
    @exclusivity(unchecked) private var parallel: ParallelLineDecoder?
    @exclusivity(unchecked) private var chunk: ParallelLineDecoder.Chunk?
    @exclusivity(unchecked) private var chunkEvent = 0
    @exclusivity(unchecked) private var chunkFailure = 0
    /// The last line handed out of the current file while decoding ahead (the reader itself is further on).
    @exclusivity(unchecked) private var parallelLineNumber = 0
    @exclusivity(unchecked) private var readAhead = false
    @exclusivity(unchecked) private var fileIndex = 0
    @exclusivity(unchecked) private var current: OpenLogFile?
    /// Inputs opened while ordering that cannot be opened again (pipes), by index in `paths`.
    @exclusivity(unchecked) private var opened: [Int: OpenLogFile] = [:]
    /// The `seq` of the last record read, and whether the current file was warned about going backwards.
    @exclusivity(unchecked) private var lastSeq: UInt64?
    @exclusivity(unchecked) private var warnedBackwards = false
    /// Following the last file (`tail -F`): its end is not the end.
    @exclusivity(unchecked) private var following = false
    /// Files to read after the current one while following: those rotated away between two looks, then the new one.
    @exclusivity(unchecked) private var queued: [OpenLogFile] = []
    /// Set when a file from `queued` is started: its first record is checked against `lastSeq` for a gap.
    @exclusivity(unchecked) private var checkGap = false

    /// Opens `paths` in the order they were written (see `LogFileOrder`) unless `ordered` is false.
    /// With `decodingThreads` > 0, each file's lines are decoded on that many
    /// threads ahead of the caller (ParallelLineDecoder), with the same
    /// records, warnings and errors in the same order; not while following.
    /// With `keepingCanonicalLines`, those threads also encode each record
    /// again to tell `forEachRecordWithLine` which lines are canonical.
    /// With `skimmingTreeLines`, fork, exit and reap lines as the encoder
    /// writes them give only the tree's fields (TreeLineSkim).
    /// With `annotating`, those threads also run it on each record (forEachRecordWithNotes).
    public init(paths: [String], skipInvalid: Bool = false, ordered: Bool = true, decodingThreads: Int = 0,
                keepingCanonicalLines: Bool = false, skimmingTreeLines: Bool = false,
                warn: @escaping (String) -> Void = { _ in }, annotating: RecordAnnotator? = nil) throws {
        annotator = annotating
        decoder = JSONLineDecoder(skimmingTreeLines: skimmingTreeLines)
        self.skipInvalid = skipInvalid
        self.decodingThreads = decodingThreads
        self.keepingCanonicalLines = keepingCanonicalLines
        self.warn = warn
        var inputs: [(path: String, firstTime: Int64?, entry: (path: String, reader: OpenLogFile?))] = []
        var seen: [FileIdentity: String] = [:]
        for path in paths {
            let reader = try OpenLogFile(path: path)
            let identity = FileIdentity(device: reader.file.device, inode: reader.file.inode)
            if let earlier = seen[identity] {
                warn("\(UntrustedText.escaped(path)) is the same file as \(UntrustedText.escaped(earlier)); reading it once")
                continue
            }
            seen[identity] = path
            let firstTime = ordered && paths.count > 1 ? try reader.lines.firstRecord()?.time : nil
            // A regular file is opened again when its turn comes: few descriptors are held however many files.
            inputs.append((path, firstTime, (path, reader.file.isRegularFile ? nil : reader)))
        }
        let order = ordered ? LogFileOrder.sorted(inputs) : inputs.map(\.entry)
        self.paths = order.map(\.path)
        for (index, entry) in order.enumerated() { opened[index] = entry.reader }
        canBeReadAgain = opened.isEmpty
    }

    /// Threads worth decoding on ahead of the caller here: one per CPU (at
    /// most 4: past that the caller's own work is the limit), none on one CPU.
    public static var decodingThreadsHere: Int {
        let cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return cpus > 1 ? min(cpus, 4) : 0
    }

    /// FILE:LINE of the last line read (the file name escaped for printing).
    public var location: String {
        guard let current else { return finishedLocation }
        return "\(UntrustedText.escaped(current.path)):\(lineNumber(of: current))"
    }

    @exclusivity(unchecked) private var finishedLocation = ""

    /// The next event; nil at the end of the last file. When following, nil
    /// means "nothing more yet": call again later (after `checkFollowedFile()`).
    public func next() throws -> Event? {
        while true {
            if current == nil {
                guard fileIndex < paths.count else { return nil }
                current = try opened.removeValue(forKey: fileIndex) ?? OpenLogFile(path: paths[fileIndex])
                warnedBackwards = false
            }
            let reader = current!
            let lines = reader.lines
            if parallel == nil && decodingThreads > 0 && !following {
                parallel = ParallelLineDecoder(reader: lines, workers: decodingThreads,
                                               keepsCanonicalLines: keepingCanonicalLines, decoder: decoder,
                                               annotator: annotator)
                parallelLineNumber = lines.lineNumber
                readAhead = true
            }
            if parallel != nil {
                if let event = try nextDecoded(at: reader) { return event }
            } else {
                while let line = try lines.nextLine() {
                    if let event = try decode(line, at: reader) {
                        checkSequence(seq: event.seq, kind: event.kind, at: reader)
                        return event
                    }
                }
            }
            if following && queued.isEmpty && fileIndex == paths.count - 1 { return nil }
            if lines.hasPartialLine {
                if lines.lineNumber == 0 && !reader.file.isRegularFile && lines.beginsWithGzipMagic {
                    throw gzipInPipe(reader)
                }
                warn("\(UntrustedText.escaped(reader.path)):\(lines.lineNumber + 1): last line is incomplete "
                     + "(no newline at the end: the writer stopped mid-record); ignored")
            }
            if !queued.isEmpty {
                current = queued.removeFirst()
                warnedBackwards = false
                checkGap = true
                continue
            }
            finishedLocation = "\(UntrustedText.escaped(reader.path)):\(lines.lineNumber)"
            current = nil
            readAhead = false
            fileIndex += 1
        }
    }

    /// Hands every record to `body`, as `next()` would return them, until
    /// `body` returns false or the last file ends; errors and warnings come
    /// where `next()` gives them. Records decoded ahead are handed over where
    /// they lie, not copied out.
    public func forEachRecord(_ body: (inout Event) throws -> Bool) throws {
        try eachRecord(withLines: false, withNotes: false) { event, _, _ in try body(&event) }
    }

    /// `forEachRecord(_:)`, also handing over the record's line as read
    /// (without its newline) when encoding the record as decoded gives that
    /// line byte for byte, so it can be written as it is; nil when it does
    /// not, or when it was not looked at (made without
    /// `keepingCanonicalLines`, or not decoding ahead). Valid during the call only.
    public func forEachRecordWithLine(_ body: (inout Event, UnsafeRawBufferPointer?) throws -> Bool) throws {
        try eachRecord(withLines: true, withNotes: false) { event, line, _ in try body(&event, line) }
    }

    /// `forEachRecord(_:)`, also handing over what the annotator (`annotating`) noted of the record on
    /// the thread that decoded it; nil when it did not run on it (the first record of each chunk of
    /// lines, any record decoded in the caller's thread). Valid during the call only.
    public func forEachRecordWithNotes(_ body: (inout Event, UnsafeBufferPointer<Int32>?) throws -> Bool) throws {
        try eachRecord(withLines: false, withNotes: true) { event, _, notes in try body(&event, notes) }
    }

    /// Inlined into all three: forEachRecord pays nothing for lines and notes (a closure call a record was ~250 instructions).
    @inline(__always)
    private func eachRecord(withLines: Bool, withNotes: Bool,
                            _ body: (inout Event, UnsafeRawBufferPointer?, UnsafeBufferPointer<Int32>?) throws -> Bool) throws {
        while true {
            if let chunk, let current, parallel != nil {
                // Up to the chunk's next line that did not decode, which next() reports in its place.
                let stop = chunkFailure < chunk.failures.count ? chunk.failures[chunkFailure].line : Int.max
                if chunkEvent < chunk.count && chunk.eventLines[chunkEvent] < stop {
                    if !(try handOver(chunk, before: stop, at: current, withLines: withLines, withNotes: withNotes, body)) {
                        return
                    }
                    continue
                }
            }
            // The first record of each chunk (or any record read inline) comes through next().
            guard var event = try next() else { return }
            let line = withLines && parallel != nil && chunkEvent > 0 ? chunk?.canonicalLine(of: chunkEvent - 1) : nil
            if !(try body(&event, line, nil)) { return }
        }
    }

    /// Hands `body` the chunk's records, where they lie, up to the one on line `stop` or the chunk's end;
    /// false when `body` did. One loop a chunk: taking the chunk and its arrays again for each record
    /// retained and released them each time.
    @inline(__always)
    private func handOver(
        _ chunk: ParallelLineDecoder.Chunk, before stop: Int, at current: OpenLogFile, withLines: Bool, withNotes: Bool,
        _ body: (inout Event, UnsafeRawBufferPointer?, UnsafeBufferPointer<Int32>?) throws -> Bool
    ) throws -> Bool {
        let count = chunk.count
        return try chunk.events.withUnsafeMutableBufferPointer { events in
            try chunk.notes.withUnsafeBufferPointer { notes in
                try chunk.eventLines.withUnsafeBufferPointer { eventLines in
                    while chunkEvent < count && eventLines[chunkEvent] < stop {
                        let index = chunkEvent
                        chunkEvent += 1
                        parallelLineNumber = eventLines[index]
                        checkSequence(seq: events[index].seq, kind: events[index].kind, at: current)
                        let line = withLines ? chunk.canonicalLine(of: index) : nil
                        let noteRange = withNotes ? chunk.noteRange(of: index) : nil
                        let more = try body(&events[index], line, noteRange.map { UnsafeBufferPointer(rebasing: notes[$0]) })
                        if !more { return false }
                    }
                    return true
                }
            }
        }
    }

    private func decode(_ line: UnsafeRawBufferPointer, at reader: OpenLogFile) throws -> Event? {
        if LogLine.isBlank(line) { return nil }
        do {
            return try decoder.decode(line)
        } catch let error as JSONLineDecodingError {
            try failed(line: reader.lines.lineNumber, error, startsWithGzipMagic: line.starts(with: [0x1f, 0x8b]), at: reader)
            return nil
        }
    }

    /// A line that did not decode: thrown, or counted and passed over with `skipInvalid`.
    private func failed(line: Int, _ error: JSONLineDecodingError, startsWithGzipMagic: Bool, at reader: OpenLogFile) throws {
        if line == 1 && startsWithGzipMagic { throw gzipInPipe(reader) }
        let failure = LogReadError(path: reader.path, line: line, reason: error.description,
                                   isNewerSchema: error.isNewerSchema)
        guard skipInvalid && failure.isSkippable else { throw failure }
        invalidLineCount += 1
        if firstInvalidLine == nil { firstInvalidLine = failure }
    }

    /// The line of the current file handed out last.
    private func lineNumber(of reader: OpenLogFile) -> Int {
        readAhead ? parallelLineNumber : reader.lines.lineNumber
    }

    /// The next record decoded ahead, in line order, failures handled where
    /// their line comes; nil at the end of the file (the decoding threads then end).
    private func nextDecoded(at reader: OpenLogFile) throws -> Event? {
        while true {
            if let chunk {
                let failures = chunk.failures
                let eventLine = chunkEvent < chunk.count ? chunk.eventLines[chunkEvent] : Int.max
                if chunkFailure < failures.count && failures[chunkFailure].line < eventLine {
                    let failure = failures[chunkFailure]
                    chunkFailure += 1
                    parallelLineNumber = failure.line
                    // Thrown as reading inline would: a caller that asks again gets the line after it.
                    try failed(line: failure.line, failure.error, startsWithGzipMagic: failure.startsWithGzipMagic,
                               at: reader)
                    continue
                }
                if chunkEvent < chunk.count {
                    let event = chunk.events[chunkEvent]
                    chunkEvent += 1
                    parallelLineNumber = eventLine
                    checkSequence(seq: event.seq, kind: event.kind, at: reader)
                    return event
                }
                parallelLineNumber = chunk.lastLineNumber
                if chunk.isLast {
                    let readError = chunk.readError
                    endParallel()
                    if let readError { throw readError }
                    return nil
                }
            }
            chunk = parallel!.next(recycling: chunk)
            chunkEvent = 0
            chunkFailure = 0
        }
    }

    /// Stops decoding ahead; the file's reader is the caller's again.
    private func endParallel() {
        parallel?.stop()
        parallel = nil
        chunk = nil
    }

    deinit {
        parallel?.stop()
    }

    /// Only regular files are recognised as gzip (a pipe cannot be peeked at without consuming it).
    private func gzipInPipe(_ reader: OpenLogFile) -> LogReadError {
        LogReadError(path: reader.path, reason: "gzip data from a pipe: decompress it first "
                     + "(zcat FILE | proctrace ... /dev/stdin), or name the .gz file itself")
    }

    /// Takes the two fields it looks at, not the record: passing an `Event` copies it (a retain per array).
    private func checkSequence(seq: UInt64, kind: EventKind, at reader: OpenLogFile) {
        defer { lastSeq = seq }
        guard let lastSeq else { return }
        if checkGap {
            checkGap = false
            if seq > lastSeq &+ 1 {
                let missing = seq - lastSeq - 1
                warn("\(UntrustedText.escaped(reader.path)): \(missing) record\(missing == 1 ? "" : "s") (seq \(lastSeq + 1)"
                     + (missing == 1 ? "" : "…\(seq - 1)") + ") were rotated away and removed before they "
                     + "could be read; they are not shown")
            }
        }
        if seq <= lastSeq && kind != .start && !warnedBackwards {
            warnedBackwards = true
            warn("\(UntrustedText.escaped(reader.path)):\(lineNumber(of: reader)): seq \(seq) comes after \(lastSeq): "
                 + "records are out of order (two recorders writing one file, or files from different recordings?)")
        }
    }

    // MARK: Following

    public typealias FollowedFileChange = ProcTraceCore.FollowedFileChange

    /// From now on the end of the last file is not the end of the stream.
    public func startFollowing() {
        following = true
    }

    /// Looks at the last file's name the way `tail -F` does. Call when
    /// `next()` returned nil while following.
    public func checkFollowedFile() throws -> FollowedFileChange {
        guard following, queued.isEmpty, let path = paths.last else { return .unchanged }
        var status = stat()
        guard (try? retryingSystemCall("stat", path, { stat(path, &status) })) != nil else { return .missing }
        guard let reader = current, fileIndex == paths.count - 1 else { return .unchanged }
        if UInt64(status.st_ino) != reader.file.inode || UInt64(status.st_dev) != reader.file.device {
            let newest = try OpenLogFile(path: path)
            queued = try rotatedAway(from: path, before: newest, reading: reader) + [newest]
            return .rotated
        }
        if reader.file.isRegularFile && !reader.file.isCompressed
            && (Int64(status.st_size) < reader.file.offset || reader.file.wasRewritten()) {
            warn("\(UntrustedText.escaped(path)): file was truncated; reading it from the start")
            reader.lines.restart()
            lastSeq = nil
            return .truncated
        }
        return .unchanged
    }

    /// Rotated files (`PATH.1`, `PATH.2.gz`, …) written after the records read
    /// so far and before `newest` began, oldest first: more than one rotation
    /// can happen between two looks at the name. Files are told apart by
    /// identity, not name: the file being read (opened before its first line
    /// was written, its first record is still to come) is not read twice, nor
    /// is one renamed from `PATH.1` to `PATH.2` while the names are looked at.
    /// A rotation still going on renames from the oldest down, so a look can
    /// meet a name just vacated, or miss a file moved past it: the names are
    /// looked at again until a look finds nothing new.
    private func rotatedAway(from path: String, before newest: OpenLogFile,
                             reading current: OpenLogFile) throws -> [OpenLogFile] {
        guard let lastSeq else { return [] }
        let newestFirst = try newest.lines.firstRecord()?.seq ?? UInt64.max
        var found: [(seq: UInt64, reader: OpenLogFile)] = []
        var seen: Set<FileIdentity> = [FileIdentity(device: current.file.device, inode: current.file.inode),
                                       FileIdentity(device: newest.file.device, inode: newest.file.inode)]
        for _ in 0..<LogReader.maximumRotationLooks {
            let before = seen.count
            lookAtRotatedNames(of: path, seen: &seen) { reader, first in
                if first > lastSeq && first < newestFirst { found.append((first, reader)) }
            }
            if seen.count == before { break }
        }
        return found.sorted { $0.seq < $1.seq }.map(\.reader)
    }

    /// One look at `PATH.1`, `PATH.1.gz`, `PATH.2`, … up to the first run of
    /// `maximumNameGap` indices with neither name; `take` gets each file not seen before.
    private func lookAtRotatedNames(of path: String, seen: inout Set<FileIdentity>,
                                    take: (OpenLogFile, UInt64) -> Void) {
        var missingInARow = 0
        for index in 1...LogReader.maximumRotatedFiles {
            let names = ["\(path).\(index)", "\(path).\(index).gz"]
            var status = stat()
            let existing = names.filter { name in (try? retryingSystemCall("stat", name, { stat(name, &status) })) != nil }
            missingInARow = existing.isEmpty ? missingInARow + 1 : 0
            if missingInARow > LogReader.maximumNameGap { break }
            for name in existing {
                guard let reader = try? OpenLogFile(path: name),
                      seen.insert(FileIdentity(device: reader.file.device, inode: reader.file.inode)).inserted,
                      let first = try? reader.lines.firstRecord() else { continue }
                take(reader, first.seq)
            }
        }
    }

    /// How many rotated names (`PATH.1` …) are looked at after a rotation.
    static let maximumRotatedFiles = 1000
    /// Indices with no file passed over before a look ends: a rotation in
    /// progress leaves one name empty between two renames.
    static let maximumNameGap = 2
    /// Looks at the rotated names after one rotation, at most (each after the
    /// first only if the one before found a file it had not seen).
    static let maximumRotationLooks = 8
}
