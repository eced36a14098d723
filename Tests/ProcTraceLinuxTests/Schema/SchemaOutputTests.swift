import Foundation
@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// ECS and OCSF output checked field by field against the published
/// references (Tests/Fixtures/schemas), and against the native records:
/// every value the native record has is found again.
@Suite(.blocking) struct SchemaOutputTests {
    /// Every kind of record, as the samples have them, plus a warning and a seal.
    static func samples() -> [Event] {
        var events = EventSamples.everyKind()
        let stop = events.removeLast()
        var warning = Event(kind: .warning, time: stop.time - 1)
        warning.notice = Notice(code: "device_stalled", message: "a device took 2 s")
        events.append(warning)
        events.append(stop)
        var seal = Event(kind: .seal, time: stop.time)
        let digest = SHA256Digest(bytes: [UInt8](repeating: 7, count: 32))
        seal.seal = SealInfo(keyID: "0011223344556677", interval: 3, nextInterval: 4, trigger: .stop, lines: 20,
                             linesSHA256: digest, previousMAC: nil, mac: digest)
        events.append(seal)
        for index in events.indices { events[index].seq = UInt64(index + 1) }
        return events
    }

    /// The lines `format` gives for `events`, each with its native line.
    static func convert(_ events: [Event], to format: OutputFormat) throws -> [(native: [String: Any], converted: [String: Any], text: String)] {
        let converter = SchemaConverter(to: format)
        return try events.map { event in
            // As every real path does: from the native line, which is all a record says.
            let line = EventSamples.line(event)
            var event = try JSONLineDecoder().decode(line)
            let native = try #require(LiveRecording.object(String(decoding: line, as: UTF8.self)))
            let out = ByteBuffer()
            try converter.append(&event, to: out)
            let text = String(decoding: out.array, as: UTF8.self)
            #expect(text.hasSuffix("\n") && text.dropLast().firstIndex(of: "\n") == nil, "one line per record")
            return (native, try #require(LiveRecording.object(text.dropLast())), String(text.dropLast()))
        }
    }

    @Test func everyECSFieldIsInTheReferenceWithItsType() throws {
        let reference = try ECSReference()
        for record in try Self.convert(Self.samples(), to: .ecs) {
            #expect(reference.problems(in: record.converted) == [], "\(record.text)")
        }
    }

    @Test func everyOCSFAttributeIsInTheSchemaWithItsTypeAndTheRequiredOnesArePresent() throws {
        let reference = try OCSFReference()
        for record in try Self.convert(Self.samples(), to: .ocsf) {
            let problems = try reference.problems(in: record.converted)
            #expect(problems == [], "\(record.text)")
        }
    }

    /// The reference checks do fail on what they should refuse.
    @Test func theReferenceChecksRefuseWhatTheSchemasDoNot() throws {
        let ecs = try ECSReference()
        #expect(ecs.problems(in: ["process": ["pid": "12"]]) == ["process.pid: string 12 is not an ECS long"])
        #expect(ecs.problems(in: ["process": ["euid": 0]]) == ["process.euid is not an ECS field"])
        #expect(ecs.problems(in: ["user": ["id": 0]]).count == 1, "user.id is a keyword")
        #expect(ecs.problems(in: ["proctrace": ["anything": 1]]) == [])
        let ocsf = try OCSFReference()
        let valid = try #require(try Self.convert(Self.samples(), to: .ocsf).first { $0.native["event"] as? String == "exec" }).converted
        #expect(try ocsf.problems(in: valid) == [])
        var noDevice = valid
        noDevice["device"] = nil
        #expect(try ocsf.problems(in: noDevice) == ["device is required"])
        var badType = valid
        badType["type_uid"] = 100702
        #expect(try ocsf.problems(in: badType) == ["type_uid is not class_uid * 100 + activity_id"])
        var badActivity = valid
        badActivity["activity_id"] = 6
        badActivity["type_uid"] = 100706
        #expect(try ocsf.problems(in: badActivity) == ["activity_id: 6 is not one of its enum values"])
        var process = try #require(valid["process"] as? [String: Any])
        process["pid"] = "4243"
        var stringPid = valid
        stringPid["process"] = process
        #expect(try ocsf.problems(in: stringPid) == ["process.pid: string 4243 is not a integer_t"])
    }

    /// Each native value is at one of its places (as SchemaMapping converts
    /// it) or, where it has none or only a lossy one, whole in the extension place.
    @Test(arguments: [OutputFormat.ecs, .ocsf])
    func nothingTheNativeRecordHoldsIsLost(format: OutputFormat) throws {
        let place = format == .ecs ? "proctrace" : "unmapped"
        var checked = Set<String>()
        for record in try Self.convert(Self.samples(), to: format) {
            for (key, value) in record.native where !(value is NSNull) {
                let field = try #require(LogField.allCases.first { $0.key.description == key }, "\(key)")
                // OCSF's Base Event (records not about a process: alerts, user names) has no process object.
                let kind = EventKind.allCases.first { $0.name == record.native["event"] as? String }
                let targets = field.targets(in: format).filter {
                    format == .ecs || kind?.isProcessRecord == true || !$0.path.hasPrefix("process.")
                }
                if targets.allSatisfy(\.isLossy) {
                    let kept = (record.converted[place] as? [String: Any])?[key]
                    #expect(kept.map { Self.same($0, value) } == true, "\(key) in \(place): \(record.text)")
                }
                for target in targets where !target.isLossy {
                    let found = Self.value(at: target.path, in: record.converted)
                    let expected: Any = switch target.conversion {
                    case .string: "\(value)"
                    case .sha256Fingerprint: [["algorithm_id": 3, "algorithm": "SHA-256", "value": value]]
                    default: value
                    }
                    #expect(found.map { Self.same($0, expected) } == true, "\(key) at \(target.path): \(record.text)")
                }
                checked.insert(key)
            }
        }
        // The samples hold every field a record can have but the BPF-only start fields and the stop's skip counts.
        let unchecked = Set(LogField.allCases.map { $0.key.description }).subtracting(checked)
        #expect(unchecked == ["bpf_choices", "hooks", "hooks_refused", "unavailable_events", "exe_sha256_skipped", "hash_skipped",
                              "filename_truncated", "prev_mac", "review_skipped"], "\(unchecked.sorted())")
    }

    @Test func processEventsSayWhatHappenedInEachSchema() throws {
        let ecs = try Self.convert(Self.samples(), to: .ecs)
        func ecsEvent(_ name: String) throws -> [String: Any] {
            try #require(ecs.first { $0.native["event"] as? String == name }?.converted["event"] as? [String: Any])
        }
        #expect(try ecsEvent("exec")["type"] as? [String] == ["start"])
        #expect(try ecsEvent("exec")["category"] as? [String] == ["process"])
        #expect(try ecsEvent("exec")["outcome"] as? String == "success")
        #expect(try ecsEvent("exec_failed")["outcome"] as? String == "failure")
        #expect(try ecsEvent("exit")["type"] as? [String] == ["end"])
        #expect(try ecsEvent("cred")["type"] as? [String] == ["change"])
        #expect(try ecsEvent("exists")["kind"] as? String == "state")
        #expect(try ecsEvent("stop")["category"] == nil)

        let ocsf = try Self.convert(Self.samples(), to: .ocsf)
        func ocsfEvent(_ name: String) throws -> [String: Any] {
            try #require(ocsf.first { $0.native["event"] as? String == name }?.converted)
        }
        #expect(try ocsfEvent("fork")["activity_id"] as? Int == 1)
        #expect(try ocsfEvent("fork")["launch_type_id"] as? Int == 2)
        #expect(try ocsfEvent("exec")["launch_type_id"] as? Int == 3)
        #expect(try ocsfEvent("exit")["activity_id"] as? Int == 2)
        #expect(try ocsfEvent("cred")["activity_id"] as? Int == 5)
        #expect(try ocsfEvent("cred")["type_uid"] as? Int == 100705)
        #expect(try ocsfEvent("exec_failed")["status_id"] as? Int == 2)
        #expect(try ocsfEvent("stop")["class_uid"] as? Int == 0)
    }

    /// The parent's fields are the tree's at the record: a child's exec
    /// before its parent execs names the parent's old program, after it the new.
    @Test(arguments: [OutputFormat.ecs, .ocsf])
    func parentFieldsAreThoseOfTheMoment(format: OutputFormat) throws {
        var events = [EventSamples.start()]
        var shell = EventSamples.process(.exists, pid: 500, ppid: 1, comm: "bash")
        shell.argv = ArgumentVector(strings: ["bash", "-l"])
        shell.context = EventSamples.context(cwd: "/", exe: "/usr/bin/bash", cgroup: "/user.slice")
        events.append(shell)
        events.append(EventSamples.process(.fork, pid: 501, ppid: 500, comm: "bash", at: 10))
        var first = EventSamples.process(.exec, pid: 501, ppid: 500, comm: "sleep", at: 20)
        first.argv = ArgumentVector(strings: ["sleep", "9"])
        events.append(first)
        var parentExec = EventSamples.process(.exec, pid: 500, ppid: 1, comm: "python3", at: 30)
        parentExec.argv = ArgumentVector(strings: ["python3", "app.py"])
        parentExec.context = EventSamples.context(cwd: "/", exe: "/usr/bin/python3.13", cgroup: "/user.slice")
        events.append(parentExec)
        var exit = EventSamples.process(.exit, pid: 501, ppid: 500, comm: "sleep", at: 40)
        exit.exitStatus = WaitStatus(exitCode: 0)
        events.append(exit)
        for index in events.indices { events[index].seq = UInt64(index + 1) }

        let records = try Self.convert(events, to: format)
        let parentPath = format == .ecs ? "process.parent" : "process.parent_process"
        let commandLine = format == .ecs ? "command_line" : "cmd_line"
        let before = try #require(Self.value(at: parentPath, in: records[3].converted) as? [String: Any])
        let after = try #require(Self.value(at: parentPath, in: records[5].converted) as? [String: Any])
        #expect(before["name"] as? String == "bash")
        #expect(before[commandLine] as? String == "bash -l")
        #expect(after["name"] as? String == "python3")
        #expect(after[commandLine] as? String == "python3 app.py")
        #expect(before["pid"] as? Int == 500)
        // The child's own start is its fork's time; the exit knows its program from the tree.
        let child = try #require(Self.value(at: "process", in: records[5].converted) as? [String: Any])
        #expect(child[commandLine] as? String == "sleep 9")
        if format == .ecs {
            #expect(child["start"] as? String == RFC3339.format(nanoseconds: events[2].time))
            #expect(after["executable"] as? String == "/usr/bin/python3.13")
        } else {
            #expect(child["created_time"] as? Int == Int(events[2].time / 1_000_000))
            #expect((after["file"] as? [String: Any])?["name"] as? String == "python3.13")
            // A launch's actor is the parent.
            #expect(Self.value(at: "actor.process.pid", in: records[3].converted) as? Int == 500)
        }
    }

    /// `proctrace convert` reads a recording plain or gzip'd and writes what the converter gives.
    @Test(arguments: [OutputFormat.ecs, .ocsf])
    func convertReadsPlainAndGzipRecordings(format: OutputFormat) throws {
        let directory = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let events = Self.samples()
        let plain = directory.appendingPathComponent("events.jsonl")
        try Data(EventSamples.logText(events)).write(to: plain)
        #expect(try Shell.run("gzip -c \"$D/events.jsonl\" > \"$D/copy.jsonl.gz\"", environment: ["D": directory.path], in: directory).status == 0)
        let expected = try Self.convert(events, to: format).map(\.text).joined(separator: "\n") + "\n"
        for file in ["events.jsonl", "copy.jsonl.gz"] {
            let (status, output, errors) = try LiveRecording.runCapturingErrors(
                Binaries.proctrace, ["convert", "--to", format.rawValue, directory.appendingPathComponent(file).path])
            #expect(status == 0, "\(errors)")
            let (got, want) = (output.split(separator: "\n"), expected.split(separator: "\n"))
            #expect(got.count == want.count, "\(file)")
            for (index, line) in got.enumerated() where index < want.count && line != want[index] {
                Issue.record("\(file) line \(index + 1): \(line)\n is not \(want[index])")
                break
            }
        }
    }

    @Test func badChoicesAreOneLineErrorsNamingTheFix() throws {
        let (status, _, errors) = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["convert", "--to", "proctrace", "/dev/null"])
        #expect(status != 0)
        #expect(errors.contains("--to must be ecs or ocsf"))
        let (recordStatus, _, recordErrors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/dev/null", "-o", "x.jsonl", "--format", "x.jsonl=elastic", "--duration", "1"])
        #expect(recordStatus != 0)
        #expect(recordErrors.contains("give one of proctrace, ecs, ocsf, or OUTPUT=FORMAT"), "\(recordErrors)")
        let (otherStatus, _, otherErrors) = try LiveRecording.runCapturingErrors(
            Binaries.proctrace, ["record", "--config", "/dev/null", "-o", "x.jsonl", "--format", "journal=ecs", "--duration", "1"])
        #expect(otherStatus != 0)
        #expect(otherErrors.contains("journal is not one of the --output values"), "\(otherErrors)")
    }

    static func value(at path: String, in object: [String: Any]) -> Any? {
        var current: Any? = object
        for component in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(component)]
        }
        return current
    }

    static func same(_ one: Any, _ other: Any) -> Bool {
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed]
        guard let a = try? JSONSerialization.data(withJSONObject: one, options: options),
              let b = try? JSONSerialization.data(withJSONObject: other, options: options) else { return false }
        return a == b
    }
}
