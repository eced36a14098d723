#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// A RecordQueue on disk (`--spool DIR`): records wait in numbered segment
/// files, in order, and survive a restart of the recorder. `committed`
/// names the first undelivered byte ("SEGMENT OFFSET"), replaced atomically;
/// a record sent but not yet committed when the recorder stops is sent
/// again by the next one (at least once; its `seq` identifies a repeat).
public final class DiskSpool: RecordQueue {
    public let directory: String
    public let capacity: Int
    private let segmentLimit: Int
    /// Segment numbers and sizes, oldest first; the last is being appended to.
    private var segments: [(number: UInt64, size: Int)] = []
    private var committedOffset = 0
    private var appendFD: Int32 = -1
    private var readFD: (number: UInt64, fd: Int32)?

    public init(directory: String, capacity: Int) throws {
        self.directory = directory
        self.capacity = capacity
        segmentLimit = max(64 * 1024, capacity / 16)
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw SystemCallError("mkdir", directory, errno: errno)
        }
        try load()
    }

    deinit {
        if appendFD >= 0 { close(appendFD) }
        if let readFD { close(readFD.fd) }
    }

    public var pendingBytes: Int { segments.reduce(0) { $0 + $1.size } - committedOffset }

    private func path(_ number: UInt64) -> String {
        let digits = String(number)
        return directory + "/" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".spool"
    }

    private func load() throws {
        guard let dir = opendir(directory) else { throw SystemCallError("opendir", directory, errno: errno) }
        var numbers: [UInt64] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".spool"), let number = UInt64(name.dropLast(6)) { numbers.append(number) }
        }
        closedir(dir)
        numbers.sort()
        var (firstNumber, offset) = (UInt64(0), 0)
        if let text = try? readSmallFile(directory + "/committed") {
            let parts = text.split(separator: " ")
            if parts.count == 2, let number = UInt64(parts[0]), let at = Int(parts[1].prefix { $0.isNumber }) {
                (firstNumber, offset) = (number, at)
            }
        }
        for number in numbers {
            if number < firstNumber {
                unlink(path(number))
                continue
            }
            var info = stat()
            guard stat(path(number), &info) == 0 else { continue }
            segments.append((number, Int(info.st_size)))
        }
        if let first = segments.first, first.number == firstNumber {
            committedOffset = min(offset, first.size)
        }
        // A crash in the middle of an append leaves part of a line: cut it off.
        if let last = segments.last {
            let fd = try retryingSystemCall("open", path(last.number)) { open(path(last.number), O_RDWR | O_CLOEXEC) }
            defer { close(fd) }
            var end = last.size
            var byte: UInt8 = 0
            while end > 0, pread(fd, &byte, 1, off_t(end - 1)) == 1, byte != 0x0a { end -= 1 }
            if end != last.size {
                _ = ftruncate(fd, off_t(end))
                segments[segments.count - 1].size = end
            }
        }
    }

    private func readSmallFile(_ path: String) throws -> String {
        let fd = try retryingSystemCall("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = try retryingSystemCall("read", path) { Glibc.read(fd, &buffer, buffer.count) }
        return String(decoding: buffer.prefix(Int(count)), as: UTF8.self)
    }

    public func append(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        let fits = bytes.wholeLinePrefix(atMost: capacity - pendingBytes)
        guard fits > 0 else { return 0 }
        if segments.isEmpty || segments[segments.count - 1].size >= segmentLimit || appendFD < 0 {
            try openSegment()
        }
        let name = path(segments[segments.count - 1].number)
        let size = segments[segments.count - 1].size
        var done = 0
        while done < fits {
            let offset = done
            do {
                let wrote = try retryingSystemCall("write", name) { write(appendFD, bytes.baseAddress! + offset, fits - offset) }
                if wrote == 0 { throw SystemCallError("write", name, errno: ENOSPC) }
                done += wrote
            } catch {
                _ = ftruncate(appendFD, off_t(size))  // no half record in the spool
                throw error
            }
        }
        segments[segments.count - 1].size += fits
        return fits
    }

    private func openSegment() throws {
        if appendFD >= 0 { close(appendFD) }
        appendFD = -1
        let number: UInt64
        if let last = segments.last, last.size < segmentLimit {
            number = last.number
        } else {
            number = (segments.last?.number ?? 0) + 1
            segments.append((number, 0))
        }
        appendFD = try retryingSystemCall("open", path(number)) {
            open(path(number), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        }
    }

    public func read(from offset: Int, limit: Int) throws -> [UInt8] {
        var skip = committedOffset + offset
        for segment in segments {
            if skip >= segment.size {
                skip -= segment.size
                continue
            }
            let fd = try descriptor(for: segment.number)
            var length = min(limit, segment.size - skip)
            while true {
                var buffer = [UInt8](repeating: 0, count: length)
                let got = try buffer.withUnsafeMutableBytes { target in
                    try retryingSystemCall("pread", path(segment.number)) { pread(fd, target.baseAddress, length, off_t(skip)) }
                }
                let lines = buffer.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0.prefix(got)).wholeLinePrefix(atMost: got) }
                if lines > 0 { return Array(buffer.prefix(lines)) }
                if length >= segment.size - skip { return [] }
                length = min(length * 2, segment.size - skip)
            }
        }
        return []
    }

    private func descriptor(for number: UInt64) throws -> Int32 {
        if let readFD, readFD.number == number { return readFD.fd }
        if let readFD { close(readFD.fd) }
        readFD = nil
        let fd = try retryingSystemCall("open", path(number)) { open(path(number), O_RDONLY | O_CLOEXEC) }
        readFD = (number, fd)
        return fd
    }

    public func commit(_ count: Int) throws {
        committedOffset += count
        while let first = segments.first, committedOffset >= first.size,
              segments.count > 1 || committedOffset > 0 {
            committedOffset -= first.size
            segments.removeFirst()
            if let readFD, readFD.number == first.number {
                close(readFD.fd)
                self.readFD = nil
            }
            if segments.isEmpty {
                if appendFD >= 0 { close(appendFD) }
                appendFD = -1
                // The next segment keeps counting up, so `committed` never points back.
                segments.append((first.number + 1, 0))
            }
            unlink(path(first.number))
        }
        try saveCommitted()
    }

    private func saveCommitted() throws {
        let first = segments.first?.number ?? 0
        let text = Array("\(first) \(committedOffset)\n".utf8)
        let temporary = directory + "/committed.tmp"
        let fd = try retryingSystemCall("open", temporary) {
            open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        }
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        try retryingSystemCall("rename", temporary) { rename(temporary, directory + "/committed") }
    }
}
