import CZlib

/// gzip-compresses bytes in memory: the report page's data (the page inflates
/// it with the browser's DecompressionStream; Core takes it as `ReportPage.Gzip`).
public enum Gzip {
    public struct Failure: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        public var description: String { "zlib \(call) failed (\(code)): out of memory?" }
    }

    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
        let initialized = deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initialized == Z_OK else { throw Failure(call: "deflateInit2", code: initialized) }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        let status = output.withUnsafeMutableBytes { target -> Int32 in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(target.count)
            return deflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END else { throw Failure(call: "deflate", code: status) }
        // A copy of the right size: removing the tail would keep the whole bound allocated.
        return Array(output[..<Int(stream.total_out)])
    }
}
