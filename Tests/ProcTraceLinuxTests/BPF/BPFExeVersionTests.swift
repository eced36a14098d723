import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// The exe's size and times the BPF programs read from its inode are what
/// stat(2) says of it, on every kernel's inode layout: a program run again is
/// found in the hash cache by the kernel's values alone, with no system call.
@Suite(.blocking, .serialized, .enabled(if: Privilege.canTrace, Privilege.skipReason))
struct BPFExeVersionTests {
    /// Runs a fresh copy of /bin/sleep `runs` times while recording, and
    /// renames it away (its process reaped) before any of its exec records is
    /// decoded: neither /proc/PID/exe nor the path can be hashed then, so a
    /// run has its digest only if the cache was found by the kernel's version.
    /// `warm`: the first run's record is decoded while the file is still there.
    static func digests(runs: Int, warm: Bool) throws -> (expected: String, got: [String?]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pt-exe-version-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = directory.appendingPathComponent("nap").path
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path,
                                         toPath: binary)
        let expected = try HashWorkerPoolTests.sha256(binary)

        var settings = BPFSettings()
        settings.excludedProcess = getpid()
        settings.wakeupBytes = 0
        let source = try BPFEventSource(settings: settings)
        defer { source.close() }
        var digests: [Int32: String?] = [:]
        func drain(until pids: [Int32]) throws {
            let deadline = Date().addingTimeInterval(30)
            while pids.contains(where: { digests[$0] == nil }) && Date() < deadline {
                _ = try source.poll(timeoutMilliseconds: 50) { event in
                    // What the recorder does off this thread, done here in line: wait for the worker.
                    for _ in 0..<1000 where event.enrichmentTicket != 0 && !source.hashes.complete(&event) {
                        usleep(10_000)
                    }
                    if event.kind == .exec, event.filename == Array(binary.utf8) {
                        digests[event.pid] = .some(event.context?.exeSHA256?.hex)
                    }
                }
            }
        }
        var pids: [Int32] = []
        for run in 0..<runs {
            let child = try ChildProcess(binary, ["nap", "0"])
            #expect(child.wait() == 0)
            pids.append(child.pid)
            if warm && run == 0 { try drain(until: pids) }
        }
        #expect(rename(binary, binary + ".gone") == 0)
        try drain(until: pids)
        #expect(pids.allSatisfy { digests.keys.contains($0) }, "an exec record of each run")
        return (expected, pids.map { digests[$0] ?? nil })
    }

    @Test func aProgramRunAgainIsFoundByTheKernelsVersionAlone() throws {
        let (expected, got) = try Self.digests(runs: 3, warm: true)
        #expect(got == [expected, expected, expected])
    }

    /// The control: nothing hashed it before, and the file is gone by the time
    /// the records are read, so there is nothing to hash.
    @Test func aProgramNeverHashedBeforeItsFileWentHasNone() throws {
        let (_, got) = try Self.digests(runs: 2, warm: false)
        #expect(got == [nil, nil])
    }
}
