import Foundation
import ProcTraceCore
import Testing

/// Issue 14's fields as the BPF programs read them in the kernel, checked
/// against what /proc says of the same live process.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct BPFAuditFieldsTests {
    /// A directory on a tmpfs of its own (/dev/shm; the walk must cross the
    /// mount) whose name holds a space and a byte that is not UTF-8, reached
    /// through an ASCII symlink.
    final class Place {
        let base: String
        let inner: [UInt8]

        init() throws {
            let root = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : "/tmp"
            base = "\(root)/pt-audit-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            inner = Array("\(base)/a dir ".utf8) + [0xff, 0x1b]
            #expect(mkdir(inner.map { CChar(bitPattern: $0) } + [0], 0o755) == 0)
            #expect(symlink(inner.map { CChar(bitPattern: $0) } + [0], "\(base)/link") == 0)
        }

        deinit {
            rmdir(inner.map { CChar(bitPattern: $0) } + [0])
            try? FileManager.default.removeItem(atPath: base)
        }
    }

    static func link(_ path: String) -> [UInt8]? {
        var buffer = [CChar](repeating: 0, count: 8192)
        let count = readlink(path, &buffer, buffer.count)
        return count < 0 ? nil : buffer[0..<count].map { UInt8(bitPattern: $0) }
    }

    static func namespace(_ pid: Int32, _ name: String) -> Int? {
        guard let text = link("/proc/\(pid)/ns/\(name)") else { return nil }
        return Int(String(decoding: text.drop { $0 != UInt8(ascii: "[") }.dropFirst().dropLast(), as: UTF8.self))
    }

    static func number(_ path: String) -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    static func cgroup(_ pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
    }

    /// The JSON text proctrace writes for these bytes (its own lossless escaping).
    static func quoted(_ bytes: [UInt8]) -> String {
        let out = ByteBuffer(capacity: 64)
        JSONStringEscaper.appendQuoted(bytes, to: out)
        return String(decoding: out.array, as: UTF8.self)
    }

    static func records(_ lines: [String]) -> [(line: String, record: [String: Any])] {
        lines.map { line in
            let parsable = line.replacingOccurrences(of: "\\udc", with: "\\u00")
            return (line, (try? JSONSerialization.jsonObject(with: Data(parsable.utf8))) as? [String: Any] ?? [:])
        }
    }

    /// The records of the child this process forked as `pid`: found by its fork (from this process)
    /// and then by (pid, start time), so that a PID the busy machine reused is not taken for it.
    static func child(_ pid: Int32, in records: [(line: String, record: [String: Any])]) throws
        -> (fork: (line: String, record: [String: Any]), execs: [(line: String, record: [String: Any])]) {
        let fork = try #require(records.first {
            $0.record["event"] as? String == "fork" && $0.record["pid"] as? Int == Int(pid)
                && $0.record["ppid"] as? Int == Int(getpid())
        }, "no fork of \(pid) by \(getpid())")
        let startTime = try #require(fork.record["start_time"] as? Int)
        let execs = records.filter {
            $0.record["event"] as? String == "exec" && $0.record["pid"] as? Int == Int(pid)
                && $0.record["start_time"] as? Int == startTime
        }
        return (fork, execs)
    }

    /// Records with `--backend bpf` while `script` runs in /bin/sh, and
    /// returns the log's lines and what /proc said of the process once it
    /// had exec'd /bin/sleep (it still runs then).
    static func record(script: String, argument: String) throws -> (lines: [String], pid: Int32, proc: [String: Any]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pt-audit-log-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("events.jsonl").path
        // Hashes checked, not their timing: under qemu's emulation a hash can take longer than the default wait.
        let recorder = try LiveRecording.startRecorder(log: log, arguments: ["--backend", "bpf", "--hash-wait", "10000"])
        defer {
            if recorder.isRunning { kill(recorder.processIdentifier, SIGKILL) }
            recorder.waitUntilExit()
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", script, "sh", argument]
        try child.run()
        let pid = child.processIdentifier
        let deadline = Date().addingTimeInterval(20)
        while Self.link("/proc/\(pid)/exe").map({ String(decoding: $0, as: UTF8.self).hasSuffix("/sleep") }) != true {
            guard child.isRunning, Date() < deadline else { break }
            usleep(10_000)
        }
        var proc: [String: Any] = [:]
        proc["cwd"] = Self.link("/proc/\(pid)/cwd")
        proc["exe"] = Self.link("/proc/\(pid)/exe")
        proc["cgroup"] = Self.cgroup(pid)
        for name in ["pid", "mnt", "net", "user"] { proc[name + "ns"] = Self.namespace(pid, name) }
        proc["auid"] = Self.number("/proc/\(pid)/loginuid")
        proc["audit_session"] = Self.number("/proc/\(pid)/sessionid")
        var info = stat()
        if stat("/proc/\(pid)/exe", &info) == 0 {
            proc["exe_inode"] = Int(info.st_ino)
            proc["exe_device"] = "\(DeviceNumber(userDev: UInt64(info.st_dev)).major):\(DeviceNumber(userDev: UInt64(info.st_dev)).minor)"
        }
        child.waitUntilExit()
        #expect(child.terminationStatus == 0, "the shell failed: \(script)")
        usleep(300_000)
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return (text.split(separator: "\n").map(String.init), pid, proc)
    }

    @Test func anExecSaysWhatProcSaysOfTheLiveProcess() throws {
        let place = try Place()
        // loginuid is set in the shell, so the sleep it becomes inherits it. It
        // lives 3 s: exe_sha256 is read through /proc/PID/exe when the record
        // is decoded, seconds late under software emulation.
        let (lines, pid, proc) = try Self.record(
            script: "cd \"$1/link\" && echo 4321 > /proc/self/loginuid && exec /bin/sleep 3", argument: place.base)
        let records = Self.records(lines)
        let (fork, execs) = try Self.child(pid, in: records)
        let exec = try #require(execs.last, "no exec record for \(pid)")
        let record = exec.record
        #expect(record["filename"] as? String == "/bin/sleep")
        let cwd = try #require(proc["cwd"] as? [UInt8])
        #expect(cwd == place.inner, "/proc says the cwd is \(Self.quoted(cwd))")
        #expect(exec.line.contains("\"cwd\":\(Self.quoted(place.inner)),"), "\(exec.line)")
        let exe = try #require(proc["exe"] as? [UInt8])
        #expect(exec.line.contains("\"exe\":\(Self.quoted(exe)),"), "\(exec.line)")
        #expect(record["exe_inode"] as? Int == proc["exe_inode"] as? Int)
        #expect(record["exe_device"] as? String == proc["exe_device"] as? String)
        #expect(record["cgroup"] as? String == proc["cgroup"] as? String)
        for key in ["pidns", "mntns", "netns", "userns"] {
            #expect(record[key] as? Int == proc[key] as? Int, "\(key)")
        }
        #expect(record["auid"] as? Int == 4321)
        #expect(record["auid"] as? Int == proc["auid"] as? Int)
        #expect(record["audit_session"] as? Int == proc["audit_session"] as? Int)
        #expect(record["audit_session"] is Int, "a loginuid write starts a session")
        #expect(record["tty"] is NSNull, "the tests run without a controlling terminal")
        #expect(record["nspid"] == nil)
        // The audit fields are this test's; the hash is HashWorkerPool's and CaptureNeverWaitsTests'. Under
        // qemu the recorders of the suites beside this one hash every exec too, and once even 10 s did not
        // reach /bin/sleep's turn (6.1): then only the hash may be missing, and it says why.
        let unavailable = record["unavailable"] as? [String]
        #expect(unavailable == nil || (unavailable == ["exe_sha256"] && record["exe_sha256_skipped"] as? String == "hash_timeout"),
                "\(exec.line)")

        // Its fork came before the login: the parent's (unset) loginuid, the same cgroup.
        #expect(fork.record["cgroup"] as? String == proc["cgroup"] as? String)
        let ownLogin = Self.number("/proc/self/loginuid")
        #expect(fork.record["auid"] as? Int == (ownLogin == 4_294_967_295 ? nil : ownLogin))
        #expect(fork.record["cwd"] == nil && fork.record["exe"] == nil)

        // The snapshot's record of this test process, from the task iterator.
        let me = try #require(records.first { $0.record["event"] as? String == "exists" && $0.record["pid"] as? Int == Int(getpid()) })
        let myCwd = try #require(Self.link("/proc/self/cwd"))
        let myExe = try #require(Self.link("/proc/self/exe"))
        #expect(me.line.contains("\"cwd\":\(Self.quoted(myCwd)),"), "\(me.line)")
        #expect(me.line.contains("\"exe\":\(Self.quoted(myExe)),"), "\(me.line)")
        #expect(me.record["cgroup"] as? String == Self.cgroup(getpid()))
        #expect(me.record["mntns"] as? Int == Self.namespace(getpid(), "mnt"))
    }

    @Test func aWorkingDirectoryDeeperThanTheWalkIsUnknownNotCut() throws {
        let place = try Place()
        // 80 levels: more than the kernel walk's 32 steps, far below PATH_MAX.
        let deep = place.base + String(repeating: "/d", count: 80)
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let (lines, pid, _) = try Self.record(script: "cd \"$1\" && exec /bin/sleep 1", argument: deep)
        let exec = try #require(try Self.child(pid, in: Self.records(lines)).execs.last, "no exec record for \(pid)")
        #expect(exec.record["cwd"] is NSNull, "\(exec.line)")
        #expect((exec.record["unavailable"] as? [String])?.contains("cwd") == true, "\(exec.line)")
        #expect(exec.record["exe"] as? String != nil)
    }
}
