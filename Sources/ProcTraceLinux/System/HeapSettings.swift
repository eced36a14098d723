import CProcTraceSystem

/// How the C library's allocator keeps memory: set once, before the BPF programs load.
public enum HeapSettings {
    /// malloc's own default threshold (128 KiB): a block this large or larger
    /// is mapped on its own, so the idle heap holds only what is live.
    public static let mappedBlockBytes: Int32 = 128 * 1024

    /// Fixes the threshold (glibc would raise it after the first large block
    /// freed, e.g. libbpf's verifier log, and keep what followed in the heap).
    /// Returns false when malloc refused it: the recorder runs regardless.
    @discardableResult
    public static func keepLargeBlocksMapped() -> Bool {
        pt_memory_keep_large_blocks_mapped(mappedBlockBytes) == 0
    }
}
