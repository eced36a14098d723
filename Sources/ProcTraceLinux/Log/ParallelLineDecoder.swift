#if canImport(Glibc)
import Glibc
#endif
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
final class ParallelLineDecoder {
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
    final class Chunk {
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
        fileprivate func decode(with decoder: JSONLineDecoder, encoding encoder: JSONLineEncoder?, scratch: ByteBuffer) {
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

    /// About a quarter of a MiB of lines per chunk (~1,000 records).
    static let chunkBytes = 256 << 10
    static let chunkLines = 2048

    private let reader: LogLineReader
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Workers wait on it for room; the consumer for its next chunk.
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var threads: [pthread_t] = []
    private let limit: Int
    /// Workers also say which lines are canonical (Chunk.canonicalLines).
    private let keepsCanonicalLines: Bool
    /// Chunks handed to workers so far; the next one the consumer takes.
    private var started = 0
    private var taken = 0
    private var done: [Int: Chunk] = [:]
    private var spare: [Chunk] = []
    private var readerFinished = false
    private var stopping = false

    /// Starts `workers` threads (at least 1) decoding `reader`'s lines.
    init(reader: LogLineReader, workers: Int, keepsCanonicalLines: Bool = false) {
        self.reader = reader
        self.keepsCanonicalLines = keepsCanonicalLines
        let workers = max(workers, 1)
        limit = 2 * workers
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
        for _ in 0..<workers {
            var created = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let status = pthread_create(&created, nil, { context in
                let decoder = Unmanaged<ParallelLineDecoder>.fromOpaque(context!).takeRetainedValue()
                decoder.work()
                return nil
            }, context)
            if status == 0 {
                threads.append(created)
            } else {
                Unmanaged<ParallelLineDecoder>.fromOpaque(context).release()
            }
        }
        if threads.isEmpty {
            // No thread could be made (a tight RLIMIT_NPROC): decode in the caller, chunk by chunk.
            synchronous = true
        }
    }

    private var synchronous = false

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        lock.deallocate()
        changed.deallocate()
    }

    /// The next chunk in line order; after one with `isLast`, none may be asked for.
    /// `finished` (the chunk handed out before, if any) is reused.
    func next(recycling finished: Chunk?) -> Chunk {
        if synchronous {
            let chunk = finished ?? Chunk()
            chunk.clear()
            fill(chunk)
            chunk.decode(with: JSONLineDecoder(), encoding: keepsCanonicalLines ? JSONLineEncoder() : nil,
                         scratch: ByteBuffer(capacity: 4096))
            return chunk
        }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let finished { spare.append(finished) }
        while done[taken] == nil { pthread_cond_wait(changed, lock) }
        let chunk = done.removeValue(forKey: taken)!
        taken += 1
        pthread_cond_broadcast(changed)
        return chunk
    }

    /// Ends the workers (early, or after the last chunk) and gives the reader back.
    func stop() {
        pthread_mutex_lock(lock)
        stopping = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
        for thread in threads { pthread_join(thread, nil) }
        threads = []
    }

    private func work() {
        let decoder = JSONLineDecoder()
        let encoder = keepsCanonicalLines ? JSONLineEncoder() : nil
        let scratch = ByteBuffer(capacity: 4096)
        pthread_mutex_lock(lock)
        while true {
            while !stopping && !readerFinished && started - taken >= limit { pthread_cond_wait(changed, lock) }
            if stopping || readerFinished { break }
            let chunk = spare.popLast() ?? Chunk()
            chunk.clear()
            let index = started
            started += 1
            fill(chunk)
            if chunk.isLast { readerFinished = true }
            pthread_mutex_unlock(lock)
            chunk.decode(with: decoder, encoding: encoder, scratch: scratch)
            pthread_mutex_lock(lock)
            done[index] = chunk
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(lock)
    }

    /// Copies the next lines out of the reader (under the lock: reading is in order).
    private func fill(_ chunk: Chunk) {
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

enum LogLine {
    /// Only blanks (passed over, not an error). A record's first byte is `{`: most lines are decided by it.
    @inline(__always)
    static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        if let first = line.first, first == UInt8(ascii: "{") { return false }
        return line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }
    }
}
