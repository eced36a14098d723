import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// exe_sha256 through /proc/PID/exe of real processes.
@Suite struct ExecutableHasherTests {
    static func sha256(_ path: String) throws -> String {
        // Through the shell: coreutils' or busybox's (the kernel matrix's guests).
        let (_, output) = try LiveRecording.run("/bin/sh", ["-c", #"sha256sum "$1""#, "sh", path])
        return String(output.prefix(64))
    }

    static func exeIdentity(_ pid: Int32) -> (DeviceNumber, UInt64) {
        var status = stat()
        stat("/proc/\(pid)/exe", &status)
        return (DeviceNumber(userDev: UInt64(status.st_dev)), UInt64(status.st_ino))
    }

    static func sleeper(_ path: String = "/bin/sleep") throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["30"]
        try process.run()
        return process
    }

    @Test func manyProcessesOfOneBinaryAreHashedOnce() throws {
        let hasher = ExecutableHasher()
        let expected = try Self.sha256(URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path)
        var digests: Set<String> = []
        for _ in 0..<20 {
            let process = try Self.sleeper()
            let (device, inode) = Self.exeIdentity(process.processIdentifier)
            let digest = hasher.digest(pid: process.processIdentifier, device: device, inode: inode)
            process.terminate()
            process.waitUntilExit()
            digests.insert(try #require(digest).hex)
        }
        #expect(digests == [expected])
        #expect(hasher.counters.misses == 1)
        #expect(hasher.counters.hits == 19)
        #expect(hasher.counters.bytesHashed > 0)
    }

    @Test func aFileRewrittenInPlaceIsHashedAnewAndAReplacedOneToo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-hash-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("nap").path
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: binary)
        let hasher = ExecutableHasher()
        func hashRunning() throws -> String? {
            let process = try Self.sleeper(binary)
            defer { process.terminate(); process.waitUntilExit() }
            let (device, inode) = Self.exeIdentity(process.processIdentifier)
            return hasher.digest(pid: process.processIdentifier, device: device, inode: inode)?.hex
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
        #expect(hasher.counters.misses == 3)
    }

    @Test func aFileOverTheLimitIsNotHashedAndZeroHashesNone() throws {
        let process = try Self.sleeper()
        defer { process.terminate(); process.waitUntilExit() }
        let (device, inode) = Self.exeIdentity(process.processIdentifier)
        let small = ExecutableHasher(maxBytes: 1024)
        #expect(small.digest(pid: process.processIdentifier, device: device, inode: inode) == nil)
        #expect(small.counters.tooLarge == 1)
        let off = ExecutableHasher(maxBytes: 0)
        #expect(off.digest(pid: process.processIdentifier, device: device, inode: inode) == nil)
        #expect(off.counters.misses == 0)
    }

    @Test func aProcessGoneOrRunningAnotherFileGetsNone() throws {
        let process = try Self.sleeper()
        let pid = process.processIdentifier
        let (device, inode) = Self.exeIdentity(pid)
        let hasher = ExecutableHasher()
        #expect(hasher.digest(pid: pid, device: device, inode: inode &+ 1) == nil, "another file than the record's")
        process.terminate()
        process.waitUntilExit()
        #expect(hasher.digest(pid: pid, device: device, inode: inode) == nil, "gone")
    }

    @Test func aProcessGoneBeforeItsRecordIsDecodedIsHashedByTheKernelsPath() throws {
        let path = URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path
        let process = try Self.sleeper(path)
        let pid = process.processIdentifier
        let (device, inode) = Self.exeIdentity(pid)
        kill(pid, SIGKILL) // the test process's children may inherit SIGTERM blocked
        process.waitUntilExit()
        let hasher = ExecutableHasher()
        let byPath = hasher.digest(pid: pid, device: device, inode: inode, path: Array(path.utf8))
        #expect(byPath?.hex == (try Self.sha256(path)))
        #expect(hasher.digest(pid: pid, device: device, inode: inode &+ 1, path: Array(path.utf8)) == nil,
                "a path that names another file now")
        #expect(hasher.digest(pid: pid, device: device, inode: inode, path: Array("sleep".utf8)) == nil, "not absolute")
    }

    @Test func aVersionFromTheKernelHitsTheCacheWithoutOpeningAnything() throws {
        let process = try Self.sleeper()
        let pid = process.processIdentifier
        let (device, inode) = Self.exeIdentity(pid)
        var status = stat()
        #expect(stat("/proc/\(pid)/exe", &status) == 0)
        let version = FileVersion(size: Int64(status.st_size), modifiedSeconds: Int64(status.st_mtim.tv_sec),
                                  modifiedNanoseconds: Int64(status.st_mtim.tv_nsec),
                                  changedSeconds: Int64(status.st_ctim.tv_sec),
                                  changedNanoseconds: Int64(status.st_ctim.tv_nsec))
        let hasher = ExecutableHasher()
        let first = try #require(hasher.digest(pid: pid, device: device, inode: inode, version: version))
        #expect(hasher.counters.misses == 1 && hasher.counters.hitsByKernelVersion == 0)
        kill(pid, SIGKILL)
        process.waitUntilExit()
        // Gone, and no /proc to open: only the cache can answer.
        let nowhere = "/nonexistent-proc-\(UUID())"
        #expect(hasher.digest(pid: pid, device: device, inode: inode, version: version, procRoot: nowhere) == first)
        #expect(hasher.counters.hitsByKernelVersion == 1)
        var rewritten = version
        rewritten.changedNanoseconds = (rewritten.changedNanoseconds + 1) % 1_000_000_000
        #expect(hasher.digest(pid: pid, device: device, inode: inode, version: rewritten, procRoot: nowhere) == nil,
                "another version of the file is not the one hashed")
        #expect(hasher.digest(pid: pid, device: device, inode: inode &+ 1, version: version, procRoot: nowhere) == nil)
        #expect(hasher.counters.hitsByKernelVersion == 1)
    }

    @Test func theCacheIsBounded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-bound-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let hasher = ExecutableHasher(capacity: 2)
        let fd = open(directory.path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        for index in 0..<5 {
            let name = "file\(index)"
            FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: Data([UInt8(index)]))
            var status = stat()
            fstatat(fd, name, &status, 0)
            #expect(hasher.digest(of: status, openingAt: fd, name) != nil)
        }
        #expect(hasher.cachedCount == 2)
    }
}
