#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem
import ProcTraceCore

/// Decodes the lines of one `LogLineReader` on worker threads and hands the
/// results back in the order of the lines, a chunk at a time: decoding is
/// most of what reading a log costs, and it needs nothing from the lines
/// before. Reading stays in order (a worker takes the next chunk of lines
/// under the lock, then decodes it alone); at most `2 × workers` chunks are
/// out at once, so memory stays bounded however large the file.
///
/// The reader belongs to the workers from `init` until `stop()` (or the last
/// chunk): nothing else may touch it meanwhile.
final class ParallelLineDecoder: Sendable {
    /// One line that did not decode.
    struct Failure {
        var line: Int
        var error: JSONLineDecodingError
        /// The line begins with gzip's magic bytes (a compressed file read through a pipe).
        var startsWithGzipMagic: Bool
    }

    /// A run of consecutive lines, decoded. Used by one thread at a time (a
    /// worker, then the consumer), handed over under the lock: the run-time
    /// exclusivity checks (a call per property access) are left out.
    // Unchecked: one thread at a time has it, and it changes hands under `shared`'s lock.
    final class Chunk: @unchecked Sendable {
        /// The lines' bytes, back to back, and where each ends.
        @exclusivity(unchecked) fileprivate var text: UnsafeMutableRawBufferPointer
        @exclusivity(unchecked) fileprivate var length = 0
        @exclusivity(unchecked) fileprivate var lineEnds: [Int] = []
        /// The number of the chunk's first line (1-based).
        @exclusivity(unchecked) fileprivate(set) var firstLine = 1
        /// The records, in line order (the first `count`), and the number of the line each came from.
        /// Slots past `count` hold nothing; each is decoded into again when the chunk is filled again.
        @exclusivity(unchecked) var events: [Event] = []
        @exclusivity(unchecked) fileprivate(set) var count = 0
        /// The arrays of the records of the last fill, filled again by the next (no allocation a line).
        @exclusivity(unchecked) private var buffers = RecycledBuffers()
        @exclusivity(unchecked) var eventLines: [Int] = []
        /// With `keepsCanonicalLines`: where in `text` each record's line lies
        /// when encoding the record gives that line again byte for byte (empty
        /// otherwise: an older schema, other spacing or key order, …).
        @exclusivity(unchecked) var canonicalLines: [Range<Int>] = []
        /// With an annotator: what it noted of each record, back to back, and where each record's notes end.
        @exclusivity(unchecked) var notes: [Int32] = []
        @exclusivity(unchecked) var noteEnds: [Int] = []
        /// Lines that did not decode, in order.
        @exclusivity(unchecked) var failures: [Failure] = []
        /// The last chunk of the file: nothing follows it.
        @exclusivity(unchecked) fileprivate(set) var isLast = false
        /// What reading the file threw, after this chunk's lines (last chunk only).
        @exclusivity(unchecked) fileprivate(set) var readError: Error?
        /// The line number the reader reached (the last line handed out).
        @exclusivity(unchecked) fileprivate(set) var lastLineNumber = 0

        fileprivate init() {
            text = .allocate(byteCount: ParallelLineDecoder.chunkBytes, alignment: 8)
            lineEnds.reserveCapacity(ParallelLineDecoder.chunkLines)
            events.reserveCapacity(ParallelLineDecoder.chunkLines)
            eventLines.reserveCapacity(ParallelLineDecoder.chunkLines)
        }

        /// What the annotator noted of record `index`, as positions in `notes`; nil without an annotator.
        @inline(__always)
        func noteRange(of index: Int) -> Range<Int>? {
            guard index < noteEnds.count else { return nil }
            return (index == 0 ? 0 : noteEnds[index - 1])..<noteEnds[index]
        }

        /// Record `index`'s line as read, without its newline, if it is the one encoding it writes.
        @inline(__always)
        func canonicalLine(of index: Int) -> UnsafeRawBufferPointer? {
            guard index < canonicalLines.count else { return nil }
            let range = canonicalLines[index]
            if range.isEmpty { return nil }
            return UnsafeRawBufferPointer(start: text.baseAddress! + range.lowerBound, count: range.count)
        }

        deinit { text.deallocate() }

        fileprivate func clear() {
            length = 0
            lineEnds.removeAll(keepingCapacity: true)
            count = 0
            eventLines.removeAll(keepingCapacity: true)
            canonicalLines.removeAll(keepingCapacity: true)
            notes.removeAll(keepingCapacity: true)
            noteEnds.removeAll(keepingCapacity: true)
            failures.removeAll(keepingCapacity: true)
            isLast = false
            readError = nil
        }

        fileprivate func append(_ line: UnsafeRawBufferPointer) {
            if length + line.count > text.count {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(text.count * 2, length + line.count),
                                                                    alignment: 8)
                larger.baseAddress!.copyMemory(from: text.baseAddress!, byteCount: length)
                text.deallocate()
                text = larger
            }
            if let start = line.baseAddress { (text.baseAddress! + length).copyMemory(from: start, byteCount: line.count) }
            length += line.count
            lineEnds.append(length)
        }

        /// Decodes every line (on a worker, outside the lock); with `encoding`,
        /// notes which lines are canonical: those the decoder vouches for
        /// (LineForm.asEncoded), and those that encoding the record again
        /// into `scratch` gives back byte for byte.
        /// With `annotator`, also notes what it says of each record (`notes`).
        fileprivate func decode(with decoder: JSONLineDecoder, encoding encoder: JSONLineEncoder?, scratch: ByteBuffer,
                                annotator: RecordAnnotator?) {
            var start = 0
            for (offset, end) in lineEnds.enumerated() {
                let line = UnsafeRawBufferPointer(start: text.baseAddress! + start, count: end - start)
                start = end
                if LogLine.isBlank(line) { continue }
                do {
                    var form = LineForm.unknown
                    // Decoded into the array's slot (a local first would cost a copy of the Event).
                    if count == events.count { events.append(Event(kind: .start)) }
                    try decoder.decode(line, into: &events[count], form: &form, recycling: &buffers)
                    count += 1
                    eventLines.append(firstLine + offset)
                    if let annotator {
                        events.withUnsafeMutableBufferPointer { annotator(&$0[count - 1], &notes) }
                        noteEnds.append(notes.count)
                    }
                    if let encoder {
                        if form == .asEncoded {
                            canonicalLines.append((end - line.count)..<end)
                            continue
                        }
                        scratch.removeAll()
                        events.withUnsafeBufferPointer { encoder.append($0[count - 1], to: scratch) }
                        let encoded = scratch.bytes
                        let same = encoded.count == line.count + 1
                            && memcmp(encoded.baseAddress!, line.baseAddress!, line.count) == 0
                        canonicalLines.append(same ? (end - line.count)..<end : 0..<0)
                    }
                } catch let error as JSONLineDecodingError {
                    failures.append(Failure(line: firstLine + offset, error: error,
                                            startsWithGzipMagic: line.starts(with: [0x1f, 0x8b])))
                } catch {
                    preconditionFailure("JSONLineDecoder throws only JSONLineDecodingError")
                }
            }
        }
    }

    /// How far below the consumer's priority the workers run (nice steps; the consumer's stays as it was).
    static let workerNiceDelta: Int32 = 5
    /// What `top -H` shows for them (15 bytes at most).
    static let workerName = "proctrace-parse"

    /// About a quarter of a MiB of lines per chunk (~1,000 records).
    static let chunkBytes = 256 << 10
    static let chunkLines = 2048

    /// What the workers and the consumer share; workers wait on its
    /// condition for room, the consumer for its next chunk.
    private let shared: ConditionLock<Shared>
    private let limit: Int
    /// Workers also say which lines are canonical (Chunk.canonicalLines).
    private let keepsCanonicalLines: Bool
    private let decoder: JSONLineDecoder
    private let annotator: RecordAnnotator?

    private struct Shared {
        let reader: LentReader
        /// Chunks handed to workers so far; the next one the consumer takes.
        var started = 0
        var taken = 0
        var done: [Int: Chunk] = [:]
        var spare: [Chunk] = []
        var readerFinished = false
        var stopping = false
        var threads: [SystemThread] = []
    }

    // Unchecked: lent by the caller, read only under `shared`'s lock until `stop()` has joined the workers.
    private struct LentReader: @unchecked Sendable {
        let lines: LogLineReader
    }

    /// Starts `workers` threads (at least 1) decoding `reader`'s lines.
    init(reader: LogLineReader, workers: Int, keepsCanonicalLines: Bool = false, decoder: JSONLineDecoder = JSONLineDecoder(),
         annotator: RecordAnnotator? = nil) {
        self.keepsCanonicalLines = keepsCanonicalLines
        self.decoder = decoder
        self.annotator = annotator
        let workers = max(workers, 1)
        limit = 2 * workers
        shared = ConditionLock(Shared(reader: LentReader(lines: reader)))
        for _ in 0..<workers {
            guard let thread = SystemThread.start({ [self] in work() }) else { continue }
            shared.withLock { $0.threads.append(thread) }
        }
    }

    /// The next chunk in line order; after one with `isLast`, none may be asked for.
    /// `finished` (the chunk handed out before, if any) is reused.
    func next(recycling finished: Chunk?) -> Chunk {
        var finished = finished
        let (chunk, decoded) = shared.wait { shared -> (Chunk, Bool)? in
            if let spare = finished.take() { shared.spare.append(spare) }
            if shared.threads.isEmpty {
                // No thread could be made (a tight RLIMIT_NPROC): decoded in the caller, chunk by chunk.
                let chunk = shared.spare.popLast() ?? Chunk()
                chunk.clear()
                Self.fill(chunk, from: shared.reader.lines)
                return (chunk, false)
            }
            guard let chunk = shared.done.removeValue(forKey: shared.taken) else { return nil }
            shared.taken += 1
            return (chunk, true)
        }!
        if decoded {
            shared.broadcast()
        } else {
            chunk.decode(with: decoder, encoding: keepsCanonicalLines ? JSONLineEncoder() : nil,
                         scratch: ByteBuffer(capacity: 4096), annotator: annotator)
        }
        return chunk
    }

    /// Ends the workers (early, or after the last chunk) and gives the reader back.
    func stop() {
        let threads = shared.withLock { shared in
            shared.stopping = true
            defer { shared.threads = [] }
            return shared.threads
        }
        shared.broadcast()
        for thread in threads { thread.join() }
    }

    private func work() {
        _ = pt_thread_set_name(ParallelLineDecoder.workerName)
        // Below the consumer: every record waits for it (it takes them in order), while the workers only
        // need to stay ahead. With more threads than cores, equal priorities gave it two thirds of one.
        _ = pt_thread_lower_priority(ParallelLineDecoder.workerNiceDelta)
        let encoder = keepsCanonicalLines ? JSONLineEncoder() : nil
        let scratch = ByteBuffer(capacity: 4096)
        while true {
            // The next chunk to decode and its place, or .some(nil): nothing more to read.
            let next = shared.wait { shared -> (index: Int, chunk: Chunk)?? in
                if shared.stopping || shared.readerFinished { return .some(nil) }
                guard shared.started - shared.taken < limit else { return nil }
                let chunk = shared.spare.popLast() ?? Chunk()
                chunk.clear()
                let index = shared.started
                shared.started += 1
                Self.fill(chunk, from: shared.reader.lines)
                if chunk.isLast { shared.readerFinished = true }
                return (index, chunk)
            }
            guard let (index, chunk) = next ?? nil else { return }
            chunk.decode(with: decoder, encoding: encoder, scratch: scratch, annotator: annotator)
            shared.withLock { $0.done[index] = chunk }
            shared.broadcast()
        }
    }

    /// Copies the next lines out of the reader (under the lock: reading is in order).
    private static func fill(_ chunk: Chunk, from reader: LogLineReader) {
        chunk.firstLine = reader.lineNumber + 1
        do {
            while chunk.lineEnds.count < ParallelLineDecoder.chunkLines && chunk.length < ParallelLineDecoder.chunkBytes {
                guard let line = try reader.nextLine() else {
                    chunk.isLast = true
                    break
                }
                chunk.append(line)
            }
        } catch {
            chunk.readError = error
            chunk.isLast = true
        }
        chunk.lastLineNumber = reader.lineNumber
    }
}

/// Work on a record done where it was decoded (a decoding thread), its
/// result kept with it: the numbers it appends for the record are handed
/// over with it (LogReader.forEachRecordWithNotes). It must not change the
/// record: inout only hands it over in place (by value, each was copied).
public typealias RecordAnnotator = @Sendable (inout Event, inout [Int32]) -> Void

enum LogLine {
    /// Only blanks (passed over, not an error). A record's first byte is `{`: most lines are decided by it.
    @inline(__always)
    static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        if let first = line.first, first == UInt8(ascii: "{") { return false }
        return line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }
    }
}
