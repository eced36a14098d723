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

    /// The highest segment number: 16 digits, as `name(of:)` writes them. A
    /// name beyond it is not one of ours, and counting on from it would overflow.
    static let highestSegmentNumber: UInt64 = 9_999_999_999_999_999
    private let spoolDirectory: SpoolDirectory

    /// Opens (creating) `directory`, which must belong to the recording user (SpoolDirectory).
    public convenience init(directory: String, capacity: Int) throws {
        try self.init(SpoolDirectory(path: directory), capacity: capacity)
    }

    public init(_ directory: SpoolDirectory, capacity: Int) throws {
        spoolDirectory = directory
        self.directory = directory.path
        self.capacity = capacity
        segmentLimit = max(64 * 1024, capacity / 16)
        try load()
    }

    deinit {
        if appendFD >= 0 { close(appendFD) }
        if let readFD { close(readFD.fd) }
    }

    public var pendingBytes: Int { segments.reduce(0) { $0 + $1.size } - committedOffset }

    private var dirFD: Int32 { spoolDirectory.fd }

    private func name(of number: UInt64) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".spool"
    }

    private func path(_ number: UInt64) -> String { directory + "/" + name(of: number) }

    private func refuse(_ file: String, _ reason: String) -> SpoolRefusal {
        SpoolRefusal("refusing the spool \(UntrustedText.escaped(directory)): \(UntrustedText.escaped(file)) \(reason)")
    }

    private func segmentNumbers() throws -> [UInt64] {
        let listing = try retryingSystemCall("dup", directory) { dup(dirFD) }
        guard let dir = fdopendir(listing) else {
            let error = SystemCallError("opendir", directory, errno: errno)
            close(listing)
            throw error
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var numbers: [UInt64] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(".spool") else { continue }
            guard let number = UInt64(name.dropLast(6)), number <= Self.highestSegmentNumber else {
                throw refuse(name, "is not a segment proctrace writes (numbers stop at \(Self.highestSegmentNumber)); remove it")
            }
            numbers.append(number)
        }
        return numbers.sorted()
    }

    /// Opens a segment without following a link or blocking on a FIFO, and
    /// only if it is a regular file of ours with one link: the recorder sends
    /// its lines and truncates it, so it must be a file the recorder made.
    private func openSegment(_ number: UInt64, _ flags: Int32) throws -> (fd: Int32, size: Int) {
        let file = name(of: number)
        let fd: Int32
        do {
            fd = try retryingSystemCall("open", path(number)) {
                openat(dirFD, file, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0o600)
            }
        } catch let error as SystemCallError where error.errno == ELOOP {
            throw refuse(file, "is a symbolic link, not a segment proctrace wrote; remove it")
        }
        var info = stat()
        let reason: String?
        if fstat(fd, &info) != 0 {
            reason = "cannot be checked (fstat: \(String(cString: strerror(errno)))); remove it"
        } else if info.st_mode & S_IFMT != S_IFREG {
            reason = "is not a regular file; remove it"
        } else if info.st_uid != geteuid() {
            reason = "belongs to uid \(info.st_uid), not to uid \(geteuid()) recording; remove it"
        } else if info.st_nlink != 1 {
            reason = "has \(info.st_nlink) hard links, so it is also another file; remove it"
        } else {
            reason = nil
        }
        if let reason {
            close(fd)
            throw refuse(file, reason)
        }
        return (fd, Int(info.st_size))
    }

    private func load() throws {
        let numbers = try segmentNumbers()
        var (firstNumber, offset) = (UInt64(0), 0)
        if let text = readCommitted() {
            let parts = text.split(separator: " ")
            if parts.count == 2, let number = UInt64(parts[0]), number <= Self.highestSegmentNumber,
               let at = Int(parts[1].prefix { $0.isNumber }) {
                (firstNumber, offset) = (number, at)
            }
        }
        for number in numbers {
            if number < firstNumber {
                unlinkat(dirFD, name(of: number), 0)
                continue
            }
            let segment = try openSegment(number, O_RDONLY)
            close(segment.fd)
            segments.append((number, segment.size))
        }
        if let first = segments.first, first.number == firstNumber {
            committedOffset = min(offset, first.size)
        }
        if let last = segments.last {
            try cutPartialLine(of: last.number)
        }
    }

    /// A crash in the middle of an append leaves part of a line: cut it off.
    /// The tail is read back in chunks, so a segment with no newline at all
    /// costs a read of its size, not a call per byte.
    private func cutPartialLine(of number: UInt64) throws {
        let (fd, size) = try openSegment(number, O_RDWR)
        defer { close(fd) }
        let end = try Self.endOfLastLine(fd, size: size, name: path(number))
        if end != size {
            try retryingSystemCall("ftruncate", path(number)) { ftruncate(fd, off_t(end)) }
            segments[segments.count - 1].size = end
        }
    }

    static func endOfLastLine(_ fd: Int32, size: Int, name: String) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var end = size
        while end > 0 {
            let start = max(0, end - chunk.count)
            let length = end - start
            let newline = try chunk.withUnsafeMutableBytes { raw -> Int? in
                let got = try retryingSystemCall("pread", name) { pread(fd, raw.baseAddress, length, off_t(start)) }
                guard got == length else { throw SystemCallError("pread", name, errno: EIO) }
                return Self.lastNewline(in: UnsafeRawBufferPointer(rebasing: raw.prefix(length)))
            }
            if let newline { return start + newline + 1 }
            end = start
        }
        return 0
    }

    /// memchr from one newline to the next (glibc's memrchr is not exported to Swift).
    private static func lastNewline(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var last: Int?
        var from = 0
        while from < bytes.count, let found = memchr(base + from, 0x0a, bytes.count - from) {
            last = base.distance(to: UnsafeRawPointer(found))
            from = last! + 1
        }
        return last
    }

    private func readCommitted() -> String? {
        let fd = openat(dirFD, "committed", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
              let bytes = try? FileIO.readAll(fd: fd, name: "committed", limit: 64) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
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
            let previous = segments.last?.number ?? 0
            guard previous < Self.highestSegmentNumber else {
                throw refuse(name(of: previous), "is the last segment number; empty the spool")
            }
            number = previous + 1
            segments.append((number, 0))
        }
        appendFD = try openSegment(number, O_WRONLY | O_CREAT | O_APPEND).fd
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
        let fd = try openSegment(number, O_RDONLY).fd
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
            unlinkat(dirFD, name(of: first.number), 0)
        }
        try saveCommitted()
    }

    private func saveCommitted() throws {
        let first = segments.first?.number ?? 0
        let text = Array("\(first) \(committedOffset)\n".utf8)
        let temporary = "committed.tmp"
        // A fresh file (O_EXCL): one left there is never written through.
        unlinkat(dirFD, temporary, 0)
        let fd = try retryingSystemCall("open", directory + "/" + temporary) {
            openat(dirFD, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        }
        defer { close(fd) }
        try text.withUnsafeBytes { try FileIO.writeAll(fd, $0, name: directory + "/" + temporary) }
        try retryingSystemCall("rename", directory + "/" + temporary) { renameat(dirFD, temporary, dirFD, "committed") }
    }
}
