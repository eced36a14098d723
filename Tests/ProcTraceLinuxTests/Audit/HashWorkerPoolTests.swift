import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// exe_sha256 through /proc/PID/exe of real processes, hashed by the pool's workers.
@Suite(.blocking) struct HashWorkerPoolTests {
    static func sha256(_ path: String) throws -> String {
        // Through the shell: coreutils' or busybox's (the kernel matrix's guests).
        let (_, output) = try LiveRecording.run("/bin/sh", ["-c", #"sha256sum "$1""#, "sh", path])
        return String(output.prefix(64))
    }

    static func identity(_ path: String) -> (DeviceNumber, UInt64, FileVersion) {
        var status = stat()
        stat(path, &status)
        let version = FileVersion(size: Int64(status.st_size), modifiedSeconds: Int64(status.st_mtim.tv_sec),
                                  modifiedNanoseconds: Int64(status.st_mtim.tv_nsec),
                                  changedSeconds: Int64(status.st_ctim.tv_sec),
                                  changedNanoseconds: Int64(status.st_ctim.tv_nsec))
        return (DeviceNumber(userDev: UInt64(status.st_dev)), UInt64(status.st_ino), version)
    }

    static func request(pid: Int32, path: String? = nil, identityOf file: String? = nil, version: Bool = true,
                        uid: UInt32 = 0) -> ExecutableHashRequest {
        let (device, inode, fileVersion) = identity(file ?? "/proc/\(pid)/exe")
        return ExecutableHashRequest(pid: pid, uid: uid, device: device, inode: inode,
                                     version: version ? fileVersion : nil, path: path.map { Array($0.utf8) })
    }

    /// `path 30`. Tried again for up to 2 s while exec says the file is being written (ETXTBSY): a child
    /// another test forks while this one has the file open for writing holds that descriptor until it
    /// execs, so a copy just written can be busy for a moment under the suite's load.
    static func sleeper(_ path: String = "/bin/sleep") throws -> Process {
        for attempt in 0... {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = ["30"]
            do {
                try process.run()
                return process
            } catch let error as NSError {
                let cause = error.userInfo[NSUnderlyingErrorKey] as? NSError
                guard cause?.domain == NSPOSIXErrorDomain, cause?.code == Int(ETXTBSY), attempt < 100 else { throw error }
                usleep(20_000)
            }
        }
        preconditionFailure("unreachable")
    }

    /// What the recorder would write: the lookup, then the worker's result (waiting at most 10 s).
    static func hash(_ pool: HashWorkerPool, _ request: ExecutableHashRequest) -> Result<SHA256Digest, HashSkipError> {
        switch pool.lookup(request) {
        case .digest(let digest): return .success(digest)
        case .skipped(let reason): return .failure(HashSkipError(reason))
        case .off: return .failure(HashSkipError(.unreadable))
        case .pending(let ticket):
            var event = Event(kind: .exec)
            event.context = ProcessContext()
            event.enrichmentTicket = ticket
            for _ in 0..<1000 {
                if pool.complete(&event) {
                    if let digest = event.context?.exeSHA256 { return .success(digest) }
                    return .failure(HashSkipError(event.context?.exeSHA256Skipped ?? .unreadable))
                }
                usleep(10_000)
            }
            pool.giveUp(&event, because: .timeout)
            return .failure(HashSkipError(.timeout))
        }
    }

    @Test func manyProcessesOfOneBinaryAreHashedOnce() throws {
        let pool = HashWorkerPool(settings: .init())
        defer { pool.stop() }
        let expected = try Self.sha256(URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path)
        var digests: Set<String> = []
        for _ in 0..<20 {
            let process = try Self.sleeper()
            let digest = Self.hash(pool, Self.request(pid: process.processIdentifier))
            kill(process.processIdentifier, SIGKILL) // SIGTERM: the runner's threads pass it on blocked
            process.waitUntilExit()
            digests.insert(try digest.get().hex)
        }
        #expect(digests == [expected])
        #expect(pool.counters.misses == 1)
        #expect(pool.counters.hitsByKernelVersion == 19)
        #expect(pool.counters.bytesHashed > 0)
    }

    @Test func aFileRewrittenInPlaceIsHashedAnewAndAReplacedOneToo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-hash-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("nap").path
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: binary)
        let pool = HashWorkerPool(settings: .init())
        defer { pool.stop() }
        func hashRunning() throws -> String? {
            let process = try Self.sleeper(binary)
            defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            return try? Self.hash(pool, Self.request(pid: process.processIdentifier)).get().hex
        }
        let first = try hashRunning()
        #expect(first == (try Self.sha256(binary)))
        // In place: same inode, new size and times.
        let handle = try #require(FileHandle(forWritingAtPath: binary))
        handle.seekToEndOfFile()
        handle.write(Data([0x78]))
        try handle.close()
        let second = try hashRunning()
        #expect(second == (try Self.sha256(binary)))
        #expect(second != first)
        // Replaced: a new file renamed over it.
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: binary + ".new")
        #expect(rename(binary + ".new", binary) == 0)
        #expect(try hashRunning() == first)
        #expect(pool.counters.misses == 3)
    }

    @Test func aFileOverTheLimitIsNotHashedAndZeroHashesNone() throws {
        let process = try Self.sleeper()
        defer { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        let small = HashWorkerPool(settings: .init(maxBytes: 1024))
        defer { small.stop() }
        #expect(small.lookup(Self.request(pid: process.processIdentifier)) == .skipped(.tooLarge))
        #expect(small.skipped[.tooLarge] == 1)
        let off = HashWorkerPool(settings: .init(maxBytes: 0))
        #expect(off.lookup(Self.request(pid: process.processIdentifier)) == .off)
        #expect(off.counters.misses == 0)
    }

    @Test func aProcessGoneOrRunningAnotherFileGetsNone() throws {
        let pool = HashWorkerPool(settings: .init())
        defer { pool.stop() }
        let process = try Self.sleeper()
        let pid = process.processIdentifier
        var other = Self.request(pid: pid)
        other.inode &+= 1
        #expect(throws: HashSkipError(.unreadable)) { try Self.hash(pool, other).get() }
        kill(process.processIdentifier, SIGKILL) // SIGTERM: the runner's threads pass it on blocked
        process.waitUntilExit()
        #expect(throws: HashSkipError(.unreadable)) { try Self.hash(pool, Self.request(pid: pid, identityOf: "/bin/sleep")).get() }
    }

    @Test func aProcessGoneBeforeItIsHashedIsHashedByTheKernelsPathOnlyInTheVersionItRan() throws {
        let path = URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path
        let process = try Self.sleeper(path)
        let pid = process.processIdentifier
        let request = Self.request(pid: pid, path: path)
        kill(pid, SIGKILL) // the test process's children may inherit SIGTERM blocked
        process.waitUntilExit()
        let pool = HashWorkerPool(settings: .init())
        defer { pool.stop() }
        #expect(try Self.hash(pool, request).get().hex == (try Self.sha256(path)))
        var otherFile = request
        otherFile.inode &+= 1
        #expect(throws: HashSkipError(.fileChanged), "a path that names another file now") { try Self.hash(pool, otherFile).get() }
        var notAbsolute = request
        notAbsolute.path = Array("sleep".utf8)
        notAbsolute.version?.size += 1 // not in the cache
        #expect(throws: HashSkipError(.unreadable)) { try Self.hash(pool, notAbsolute).get() }
        var rewritten = request
        let changed = request.version?.changedNanoseconds ?? 0
        rewritten.version?.changedNanoseconds = (changed + 1) % 1_000_000_000
        #expect(throws: HashSkipError(.fileChanged), "another version than the one that ran") {
            try Self.hash(pool, rewritten).get()
        }
        var noVersion = request
        noVersion.version = nil
        #expect(throws: HashSkipError(.unreadable), "without the kernel's version a path proves nothing") {
            try Self.hash(pool, noVersion).get()
        }
    }

    @Test func aPathThatIsALinkOrAFIFOIsNeverOpenedAsTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-link-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let link = directory.appendingPathComponent("link").path
        #expect(symlink("/bin/sleep", link) == 0)
        let pool = HashWorkerPool(settings: .init())
        defer { pool.stop() }
        // A FIFO at the path: opened without blocking, refused as not the file (a blocking open would hang here).
        #expect(throws: HashSkipError.self) { try Self.hash(pool, Self.request(pid: 999_999_999, path: fifo, identityOf: fifo)).get() }
        #expect(throws: HashSkipError(.unreadable)) {
            try Self.hash(pool, Self.request(pid: 999_999_999, path: link, identityOf: "/bin/sleep")).get()
        }
    }

    @Test func theCacheIsBoundedAndFoundByTheKernelsVersion() throws {
        var settings = HashWorkerPool.Settings()
        settings.cacheCapacity = 2
        let pool = HashWorkerPool(settings: settings)
        defer { pool.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-bound-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<5 {
            let path = directory.appendingPathComponent("file\(index)").path
            try #require(FileManager.default.createFile(atPath: path, contents: Data([UInt8(index)])))
            _ = try Self.hash(pool, Self.request(pid: 999_999_999, path: path, identityOf: path)).get()
        }
        #expect(pool.cachedCount == 2)
        let last = directory.appendingPathComponent("file4").path
        let request = Self.request(pid: 999_999_999, path: "/nonexistent", identityOf: last)
        guard case .digest = pool.lookup(request) else {
            Issue.record("the version the kernel sends finds the cache entry without opening anything")
            return
        }
    }

    @Test func manyExecsOfANewVersionWaitForOneHash() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-storm-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("new").path
        try #require(FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])))
        #expect(truncate(path, 48 << 20) == 0) // long enough to hash that the lookups below come first
        var settings = HashWorkerPool.Settings()
        settings.perUserQueue = 4
        let pool = HashWorkerPool(settings: settings)
        defer { pool.stop() }
        let request = Self.request(pid: 999_999_999, path: path, identityOf: path)
        let lookups = (0..<100).map { _ in pool.lookup(request) }
        #expect(!lookups.contains(.skipped(.queueFull)), "a storm of one new binary is one job")
        var digests: Set<String> = []
        for lookup in lookups {
            guard case .pending(let ticket) = lookup else { continue }
            var event = Event(kind: .exec)
            event.context = ProcessContext()
            event.enrichmentTicket = ticket
            var tries = 0
            while !pool.complete(&event) && tries < 1000 {
                usleep(10_000)
                tries += 1
            }
            digests.insert(event.context?.exeSHA256?.hex ?? "none")
        }
        #expect(digests == [try Self.sha256(path)])
        #expect(pool.counters.misses == 1)
    }
}
