/// Where a `LogLineReader` gets its bytes: a file, a pipe, decompressed gzip
/// (ProcTraceLinux opens them), or memory in a test.
public protocol LogByteInput: AnyObject {
    /// Fills the start of `buffer`; 0 at the end (for now, if it grows).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Back to the start (after the input was truncated under the reader).
    func rewind()
}
