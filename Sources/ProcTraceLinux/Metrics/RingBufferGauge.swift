#if canImport(Glibc)
import Glibc
#endif

/// How full the BPF ring buffer is, read from its positions: the map's
/// consumer and producer pages mapped read-only (two loads per batch, no
/// system call). libbpf 1.1 has no accessor for this, so the map is found
/// among this process's descriptors by type (BPF_MAP_TYPE_RINGBUF) and size.
public final class RingBufferGauge {
    private let pages: UnsafeMutableRawPointer
    private let pageSize: Int

    public init?(ringBytes: UInt32) {
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var found: UnsafeMutableRawPointer?
        while found == nil, let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = Int32(name), Self.isRing(fd: fd, bytes: ringBytes) else { continue }
            let mapped = mmap(nil, pageSize * 2, PROT_READ, MAP_SHARED, fd, 0)
            if let mapped, mapped != MAP_FAILED { found = mapped }
        }
        guard let found else { return nil }
        pages = found
    }

    deinit { munmap(pages, pageSize * 2) }

    private static func isRing(fd: Int32, bytes: UInt32) -> Bool {
        let path = "/proc/self/fdinfo/\(fd)"
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return false }
        defer { close(file) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let got = read(file, &buffer, buffer.count)
        guard got > 0 else { return false }
        let lines = buffer.prefix(got).split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        return lines.contains("map_type:\t27") && lines.contains("max_entries:\t\(bytes)")
    }

    /// Bytes produced and not yet consumed.
    public var usedBytes: UInt64 {
        let consumer = pages.load(as: UInt64.self)
        let producer = (pages + pageSize).load(as: UInt64.self)
        return producer >= consumer ? producer - consumer : 0
    }
}
