import Foundation
import Testing

/// What an idle recorder keeps in memory (issue 27).
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct RecordMemoryTests {
    /// The private memory of an idle recorder: heap, stacks, static data
    /// (the ring and the binary's pages are shared mappings, counted apart).
    /// 14.8 MiB before the allocator's threshold was fixed (11.7 MiB of it
    /// heap freed after loading the BPF programs); about 4 now.
    @Test func anIdleRecorderKeepsLittlePrivateMemory() throws {
        // The snapshot of running processes written, the workers idle.
        let (status, _) = try Self.readIdleRecorder(file: "status", afterLogShows: "\"event\":\"exists\"")
        let anonymousKiB = try #require(Self.kibibytes("RssAnon", in: status))
        #expect(anonymousKiB <= 8 * 1024, "RssAnon \(anonymousKiB) KiB")
    }

    /// Hashing, on by default, keeps only what SHA-256 needs of libcrypto resident: through EVP
    /// the first hash started OpenSSL's provider machinery, 3.4 MiB of libcrypto's pages in an
    /// idle recorder's RSS (1.6 MiB with its own SHA-256 functions).
    @Test func hashingKeepsLittleOfLibcryptoResident() throws {
        // A hash written (a program is run for it: a quiet machine may exec nothing): libcrypto has
        // done what hashing does.
        let (smaps, log) = try Self.readIdleRecorder(file: "smaps", afterLogShows: "\"exe_sha256\":\"", running: "/bin/true")
        #expect(log.contains("\"exe_sha256\":\""))
        let libcryptoKiB = Self.residentKiB(ofMappingsNamed: "libcrypto.so", in: smaps)
        #expect(libcryptoKiB > 0)
        #expect(libcryptoKiB <= 2 * 1024, "libcrypto resident \(libcryptoKiB) KiB")
    }

    /// The BPF maps kept per PID between exit and reap are sized to the processes that can exist
    /// (kernel memory, not in RSS): at the compiled 4,194,304 entries each took 64 MiB for its
    /// buckets, on this machine whose PIDs stop at 32,768.
    @Test func thePIDKeyedMapsHoldEveryProcessThatCanExistAndNoMore() throws {
        func limit(_ name: String) throws -> Int {
            try #require(Int(String(contentsOfFile: "/proc/sys/kernel/\(name)", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let processes = min(try limit("pid_max"), try limit("threads-max"))
        let (shown, _) = try Self.lookAtIdleRecorder(afterLogShows: "\"event\":\"exists\"") { _ in
            let (status, output) = try LiveRecording.run("/usr/sbin/bpftool", ["-j", "map", "show"])
            #expect(status == 0)
            return output
        }
        let maps = try #require(JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [[String: Any]])
        let keyed = maps.filter { ["zombies", "exits_reported"].contains($0["name"] as? String) }
        #expect(keyed.count >= 2, "the recorder's maps: \(keyed.count)")
        for map in keyed {
            let entries = try #require(map["max_entries"] as? Int)
            #expect(entries >= processes, "\(map["name"] ?? "?"): \(entries) entries for \(processes) processes")
            #expect(entries <= max(32_768, processes + processes / 4), "\(map["name"] ?? "?"): \(entries) entries")
        }
    }

    /// Starts `record` at default settings, waits (90 s at most, running `program` each round if
    /// given) until its log shows `marker`, lets it idle 1 s, reads /proc/PID/`file` to its end,
    /// stops it and expects a clean exit; returns the file and the log.
    static func readIdleRecorder(file: String, afterLogShows marker: String, running program: String? = nil)
        throws -> (file: String, log: String)
    {
        try lookAtIdleRecorder(afterLogShows: marker, running: program) { pid in
            // Read to its end (a /proc file's size is 0: a single read could stop at the first page).
            let handle = try #require(FileHandle(forReadingAtPath: "/proc/\(pid)/\(file)"))
            defer { try? handle.close() }
            return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        }
    }

    /// The same, with what `look` says of the idle recorder (given its PID) in place of a file.
    static func lookAtIdleRecorder(afterLogShows marker: String, running program: String? = nil,
                                   look: (Int32) throws -> String) throws -> (file: String, log: String)
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-memory-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("events.jsonl")
        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Binaries.proctrace)
        recorder.arguments = ["record", "--config", "/dev/null", "--output", log.path]
        recorder.standardError = FileHandle.nullDevice
        try recorder.run()
        defer {
            if recorder.isRunning { kill(recorder.processIdentifier, SIGKILL) }
            recorder.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(90)
        while recorder.isRunning && Date() < deadline
            && (try? String(contentsOf: log, encoding: .utf8))?.contains(marker) != true {
            if let program { _ = try? LiveRecording.run(program, []) }
            usleep(20_000)
        }
        usleep(1_000_000)
        let text = try look(recorder.processIdentifier)
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        #expect(recorder.terminationStatus == 0)
        return (text, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    /// The `Rss` of every mapping whose path contains `name`, summed.
    static func residentKiB(ofMappingsNamed name: String, in smaps: String) -> Int {
        var inside = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                inside = fields.count > 5 && fields[5].contains(name)
            } else if inside, fields.first == "Rss:", fields.count > 1 {
                total += Int(fields[1]) ?? 0
            }
        }
        return total
    }

    static func kibibytes(_ field: String, in status: String) -> Int? {
        status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
    }
}
