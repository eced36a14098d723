import Foundation
import ProcTraceCore
import Testing

/// Issue 14's fields traced from real processes, per backend: each scenario
/// runs a `sleep` with its own duration (its marker), long enough for a
/// backend that reads /proc to find it alive.
@Suite(.blocking, .enabled(if: Privilege.canTrace, Privilege.skipReason), .serialized)
struct AuditFieldsLiveTests {
    static let backends = ["netlink", "bpf"]

    /// The cgroup v2 hierarchy: /sys/fs/cgroup/unified on a hybrid host, else /sys/fs/cgroup (mounted
    /// there first where nothing is, as in the kernel matrix's guests).
    static let unifiedRoot: String = {
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs") { return "/sys/fs/cgroup/unified" }
        if !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.procs") {
            _ = try? LiveRecording.run("/bin/sh", ["-c", "mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup"])
        }
        return "/sys/fs/cgroup"
    }()

    static let containerID = "c0ffee00" + String(repeating: "0123456789abcdef", count: 3) + "deadbeef"

    struct Traced {
        let recording: [String]
        let directory: String
        let sleepPath: String
        /// SHA-256 of the rewritten binary.
        let rewrittenHash: String

        /// The exec line of the program run with `marker` as its last argument, after one or two others
        /// (the program, or a script's interpreter and the script; not `unshare … sleep marker`).
        func exec(_ marker: String) -> String? {
            let pattern = #""argv":\[("[^"]*",){1,2}""# + NSRegularExpression.escapedPattern(for: marker) + #""\]"#
            return recording.first {
                $0.contains(#""event":"exec""#) && $0.range(of: pattern, options: .regularExpression) != nil
            }
        }

        func object(_ line: String?) -> [String: Any] {
            line.flatMap { LiveRecording.object($0) } ?? [:]
        }
    }

    static func sha256(_ path: String) throws -> String {
        // Through the shell: coreutils' or busybox's (the kernel matrix's guests).
        let (_, output) = try LiveRecording.run("/bin/sh", ["-c", #"sha256sum "$1""#, "sh", path])
        return String(output.prefix(64))
    }

    /// Records while every scenario runs once.
    static func trace(backend: String) throws -> Traced {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-audit-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Where docker's cgroupfs driver puts a container: a container id is taken only from such a place.
        let cgroup = "\(unifiedRoot)/docker/\(containerID)"
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            rmdir(cgroup)
            rmdir("\(unifiedRoot)/docker")  // only when this test made it: a docker host's is not empty
        }
        let log = directory + "/events.jsonl"
        let sleepPath = URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path
        // Hashes checked here, not their timing: on a host as busy as the whole suite makes it, or under
        // qemu's emulation, a wait of 250 ms can run out before a worker at nice 10 is done.
        let recorder = try LiveRecording.startRecorder(log: log, arguments: ["--backend", backend, "--hash-wait", "10000"])
        try waitForTheSnapshot(log: log, marker: "0.201")
        let script = #"""
        set -e
        T="$1"; CG="$2"
        # A directory with a space and an invalid UTF-8 byte in its name.
        d="$(printf '%s/with space\377' "$T")"; mkdir "$d"
        (cd "$d" && exec /bin/sleep 0.301)
        # Through a symbolic link; a #! script.
        ln -s /bin/sleep "$T/nap"; "$T/nap" 0.302
        printf '#!/bin/sh\nexec /bin/sleep 0.303\n' > "$T/script"; chmod +x "$T/script"
        printf '#!/bin/sh\n/bin/sleep 0.304\n' > "$T/waits"; chmod +x "$T/waits"; "$T/waits" 0.3041
        "$T/script"
        # A cgroup that looks like a docker container's.
        mkdir -p "$CG"
        sh -c 'echo $$ > "$1/cgroup.procs"; /bin/sleep 0.305; exec /bin/sleep 0.306' sh "$CG"
        # Its own pid namespace.
        unshare --pid --fork --mount-proc /bin/sleep 0.307
        # A login uid, inherited.
        sh -c 'echo 4242 > /proc/self/loginuid; /bin/sleep 0.308'
        # A pseudo-terminal.
        script -qc '/bin/sleep 0.309' /dev/null < /dev/null > /dev/null
        # A binary rewritten between two execs.
        cp /bin/sleep "$T/bin"; "$T/bin" 0.310
        printf 'x' >> "$T/bin"; "$T/bin" 0.311
        """#
        let (status, _) = try LiveRecording.run("/bin/sh", ["-c", script, "sh", directory, cgroup])
        let rewrittenHash = try sha256(directory + "/bin")
        usleep(300_000)
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        #expect(status == 0, "the scenarios ran")
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // Kept for a look when an expectation fails.
        try? text.write(toFile: FileManager.default.temporaryDirectory.path + "/proctrace-audit-\(backend).jsonl",
                        atomically: true, encoding: .utf8)
        return Traced(recording: text.split(separator: "\n").map(String.init), directory: directory, sleepPath: sleepPath,
                      rewrittenHash: rewrittenHash)
    }

    /// The snapshot after the start record hashes every running binary once: the scenarios start after it,
    /// once a sentinel's exec is in the log, so a /proc reader finds their processes alive.
    static func waitForTheSnapshot(log: String, marker: String) throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            _ = try LiveRecording.run("/bin/sleep", [marker])
            if ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(#"["/bin/sleep","\#(marker)"]"#) { return }
        }
        Issue.record("the recorder wrote no record of a sentinel in 60 s")
    }

    @Test(arguments: backends)
    func everyScenarioCarriesItsFields(backend: String) throws {
        let traced = try Self.trace(backend: backend)
        let sleepHash = try Self.sha256(traced.sleepPath)
        let myNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")

        // cwd: every byte kept, escaped losslessly.
        let cwd = try #require(traced.exec("0.301"), "exec in the odd directory")
        #expect(cwd.contains(#""cwd":"\#(traced.directory)/with space\udcff""#), "\(cwd)")
        #expect(traced.object(cwd)["exe"] as? String == traced.sleepPath)
        #expect(traced.object(cwd)["exe_sha256"] as? String == sleepHash)
        let inode = try FileManager.default.attributesOfItem(atPath: traced.sleepPath)[.systemFileNumber] as? Int
        #expect(traced.object(cwd)["exe_inode"] as? Int == inode)
        var status = stat()
        stat(traced.sleepPath, &status)
        let device = DeviceNumber(userDev: UInt64(status.st_dev))
        #expect(traced.object(cwd)["exe_device"] as? String == "\(device.major):\(device.minor)")
        for ns in ["pidns", "mntns", "netns", "userns"] {
            #expect(traced.object(cwd)[ns] as? Int != nil, "\(ns) in \(cwd)")
        }
        #expect(traced.object(cwd)["nspid"] == nil, "nspid only when it differs")

        // A symbolic link: filename as passed (netlink has only /proc's exe for it), exe resolved.
        let link = traced.object(traced.exec("0.302"))
        #expect(link["filename"] as? String == (backend == "netlink" ? traced.sleepPath : traced.directory + "/nap"))
        #expect(link["exe"] as? String == traced.sleepPath)

        // A #! script: the interpreter runs it.
        let script = traced.object(traced.exec("0.3041"))
        if backend != "netlink" { #expect(script["filename"] as? String == traced.directory + "/waits") }
        let shell = URL(fileURLWithPath: "/bin/sh").resolvingSymlinksInPath().path
        #expect(script["exe"] as? String == shell, "\(script)")

        // The container-like cgroup, on the fork and the exec of the process in it.
        let path = "/docker/\(Self.containerID)"
        let inCgroup = traced.object(traced.exec("0.306"))
        #expect(inCgroup["cgroup"] as? String == path, "\(inCgroup)")
        #expect(inCgroup["container_id"] as? String == Self.containerID)
        let child = traced.object(traced.exec("0.305"))
        let fork = traced.object(traced.recording.first {
            $0.contains(#""event":"fork""#) && $0.contains(#""pid":\#(child["pid"] as? Int ?? -1),"#)
        })
        #expect(fork["cgroup"] as? String == path, "\(fork)")
        #expect(fork["container_id"] as? String == Self.containerID)
        #expect(traced.object(cwd)["container_id"] is NSNull)

        // Its own pid namespace: pid 1 there.
        let namespaced = traced.object(traced.exec("0.307"))
        #expect(namespaced["nspid"] as? Int == 1, "\(namespaced)")
        #expect(namespaced["pidns"] as? Int != nil)
        #expect("pid:[\(namespaced["pidns"] as? Int ?? 0)]" != myNamespace)

        // The login uid and its session, inherited through fork and exec.
        let login = traced.object(traced.exec("0.308"))
        #expect(login["auid"] as? Int == 4242, "\(login)")
        #expect(login["audit_session"] as? Int != nil, "a new session with the login uid")
        #expect(traced.object(cwd)["auid"] is NSNull, "unset: null")

        // A pseudo-terminal.
        let terminal = traced.object(traced.exec("0.309"))
        let tty = terminal["tty"] as? String ?? ""
        #expect(tty.hasPrefix("pts/") && Int(tty.dropFirst(4)) != nil, "\(terminal)")
        #expect(traced.object(cwd)["tty"] is NSNull || traced.object(cwd)["tty"] as? String != tty)

        // Rewritten between two execs: two hashes, each the file's as it ran.
        let before = traced.object(traced.exec("0.310"))
        let after = traced.object(traced.exec("0.311"))
        // A worker that reaches the first exec only after the rewrite (a loaded machine: the process
        // is gone and the file no longer the version that ran) writes null, never the new bytes' hash.
        if before["exe_sha256"] is NSNull {
            #expect(before["exe_sha256_skipped"] as? String == "file_changed", "\(before)")
        } else {
            #expect(before["exe_sha256"] as? String == sleepHash, "the copy of sleep")
        }
        #expect(after["exe_sha256"] as? String == traced.rewrittenHash, "\(after)")
        #expect(before["exe_sha256"] as? String != after["exe_sha256"] as? String)
    }

    @Test(arguments: backends)
    func aProcessRunningBeforeTheRecordingHasItsFieldsInItsExistsRecord(backend: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-exists-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        sleeper.currentDirectoryURL = directory
        try sleeper.run()
        defer { kill(sleeper.processIdentifier, SIGKILL); sleeper.waitUntilExit() }  // SIGTERM: the runner's threads pass it on blocked
        let log = directory.appendingPathComponent("events.jsonl").path
        // Hashes checked here, not their timing: on a host as busy as the whole suite makes it, or under
        // qemu's emulation, a wait of 250 ms can run out before a worker at nice 10 is done.
        let recorder = try LiveRecording.startRecorder(log: log, arguments: ["--backend", backend, "--hash-wait", "10000"])
        // A stop waits a second at most for hashes still running: the snapshot's are done once a later exec is out.
        try Self.waitForTheSnapshot(log: log, marker: "0.\(UInt32.random(in: 1000...9999))")
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        let line = try #require(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").first {
            $0.contains(#""event":"exists","pid":\#(sleeper.processIdentifier),"#)
        })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let sleepPath = URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path
        #expect(object["cwd"] as? String == directory.path, "\(line)")
        #expect(object["exe"] as? String == sleepPath)
        #expect(object["exe_sha256"] as? String == (try Self.sha256(sleepPath)))
        #expect(object["cgroup"] as? String != nil)
        #expect(object["mntns"] as? Int != nil)
        #expect(object["unavailable"] == nil, "\(line)")
    }
}
