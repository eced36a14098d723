import CZlib

/// gzip-compresses bytes in memory: the report page's data (the page inflates
/// it with the browser's DecompressionStream; Core takes it as `ReportPage.Gzip`).
public enum Gzip {
    public struct Failure: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        public var description: String { "zlib \(call) failed (\(code)): out of memory?" }
    }

    /// Each list of parts as its own gzip stream (`compress(_:level:)`) at the
    /// same time: `second` on a thread of its own (inline when none can be
    /// made), `first` on this one; the same bytes as one after the other.
    public static func compress(_ first: [UnsafeRawBufferPointer], alongside second: [UnsafeRawBufferPointer],
                                level: Int32 = 6) throws -> (first: [UInt8], second: [UInt8]) {
        let job = Job(parts: second, level: level)
        let thread = SystemThread.start { job.run() }
        let compressed = Result { try compress(first, level: level) }
        if let thread { thread.join() } else { job.run() }
        return (try compressed.get(), try job.result!.get())
    }

    /// One stream to compress; on another thread, its input is the caller's, lent until the join.
    // Unchecked: the thread has it until `join()`, the caller only after.
    private final class Job: @unchecked Sendable {
        let parts: [UnsafeRawBufferPointer]
        let level: Int32
        var result: Result<[UInt8], Error>?

        init(parts: [UnsafeRawBufferPointer], level: Int32) {
            self.parts = parts
            self.level = level
        }

        func run() { result = Result { try Gzip.compress(parts, level: level) } }
    }

    /// The parts one after another as one gzip stream, compressed a chunk at a
    /// time: nothing as large as the input is allocated (the output is).
    public static func compress(_ parts: [UnsafeRawBufferPointer], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
        let initialized = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initialized == Z_OK else { throw Failure(call: "deflateInit2", code: initialized) }
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        for (index, part) in parts.enumerated() {
            let flush = index == parts.count - 1 ? Z_FINISH : Z_NO_FLUSH
            stream.next_in = UnsafeMutablePointer(mutating: part.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(part.count)
            try deflateAll(&stream, flush: flush, chunk: &chunk, to: &output)
        }
        if parts.isEmpty { try deflateAll(&stream, flush: Z_FINISH, chunk: &chunk, to: &output) }
        return output
    }

    /// Deflates what `stream` has in, a chunk at a time, until it is all taken (and, finishing, the stream ends).
    private static func deflateAll(_ stream: inout z_stream, flush: Int32, chunk: inout [UInt8], to output: inout [UInt8]) throws {
        while true {
            let (status, produced) = chunk.withUnsafeMutableBytes { target -> (Int32, Int) in
                stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(target.count)
                let status = deflate(&stream, flush)
                return (status, target.count - Int(stream.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw Failure(call: "deflate", code: status)
            }
            output.append(contentsOf: chunk[..<produced])
            if flush == Z_FINISH ? status == Z_STREAM_END : (stream.avail_in == 0 && stream.avail_out != 0) { return }
            if status == Z_BUF_ERROR && produced == 0 { throw Failure(call: "deflate", code: status) }
        }
    }
}
