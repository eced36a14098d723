@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// `replay --json` writes a line as read when the decoder vouches for it
/// (LineForm.asEncoded) instead of encoding the record. The vouching must
/// never be wrong: whenever it is given, encoding the decoded record gives
/// the line byte for byte. It may be cautious (then the line is encoded).
@Suite struct LineFormTests {
    /// The record `line` holds, and what the decoder said of the line.
    static func decoded(_ line: [UInt8]) throws -> (event: Event, form: LineForm) {
        var form = LineForm.asEncoded
        let event = try line.withUnsafeBytes { try JSONLineDecoder().decode($0, form: &form) }
        return (event, form)
    }

    static func text(_ line: [UInt8]) -> String { String(decoding: line, as: UTF8.self) }

    /// Ordinary records of each kind the encoder writes on the hot path, ASCII only.
    static func ordinary() -> [Event] {
        var fork = EventSamples.process(.fork, pid: 4243, ppid: 4242)
        fork.credentials = EventSamples.credentials
        fork.session = SessionIDs(sid: 4242, pgid: 4242)
        fork.context = EventSamples.context(cwd: "/srv", exe: "/usr/bin/bash", cgroup: "/user.slice")
        var exec = EventSamples.process(.exec, pid: 4243, ppid: 4242, comm: "cc", at: 1)
        exec.filename = Array("/usr/bin/cc".utf8)
        exec.argv = ArgumentVector(strings: ["cc", "-O2", "", "a 'quoted' b.c"])
        exec.credentials = EventSamples.credentials
        exec.session = SessionIDs(sid: 4242, pgid: 4242)
        exec.context = EventSamples.context(cwd: "/home/u", exe: "/usr/bin/cc", cgroup: "/user.slice")
        var nullArgv = exec
        nullArgv.argv = nil
        nullArgv.filename = nil
        nullArgv.argvTruncated = true
        nullArgv.context = ProcessContext()
        var exited = EventSamples.process(.exit, pid: 4243, ppid: 4242, comm: "cc", at: 2)
        exited.exitStatus = WaitStatus(exitCode: 1)
        exited.durationNs = 5
        var killed = EventSamples.process(.exit, pid: 4243, ppid: 4242, comm: "cc", at: 3)
        killed.exitStatus = WaitStatus(signal: 11, coreDumped: true)
        var unknownStatus = EventSamples.process(.exit, pid: 4243, ppid: 4242, comm: "cc", at: 4)
        unknownStatus.exitStatus = nil
        var reaped = EventSamples.process(.reap, pid: 4243, ppid: 4242, comm: "cc", at: 5)
        reaped.reaper = 4242
        reaped.reapReason = .wait
        var freed = EventSamples.process(.reap, pid: 4243, ppid: -7, comm: "", at: -6)
        freed.reapReason = .freed
        var exists = EventSamples.process(.exists, pid: 1, ppid: 0, comm: "systemd")
        exists.state = UInt8(ascii: "S")
        exists.filename = Array("/usr/lib/systemd/systemd".utf8)
        exists.argv = ArgumentVector(strings: ["/sbin/init"])
        exists.credentials = .root
        exists.session = SessionIDs(sid: 1, pgid: 1)
        exists.context = EventSamples.context(cwd: "/", exe: "/usr/lib/systemd/systemd", cgroup: "/init.scope")
        var cred = EventSamples.process(.cred, pid: 4242, comm: "fifteen-chars-x")
        cred.credentials = Credentials(uid: 0, euid: 0, suid: 0, gid: 0, egid: 0, sgid: 4_294_967_294)
        var session = EventSamples.process(.session, pid: 4242)
        session.session = SessionIDs(sid: 4242, pgid: 4242)
        var threadStart = EventSamples.process(.threadStart, pid: 4242)
        threadStart.tid = 4260
        var reparent = EventSamples.process(.reparent, pid: 4245, ppid: 1, comm: "orphan")
        reparent.oldPpid = 4242
        var unread = exec
        unread.unavailable = [.filename, .exeSHA256, .nspid]
        unread.filename = nil
        unread.context?.exeSHA256 = nil
        var events = [fork, exec, nullArgv, unread, exited, killed, unknownStatus, reaped, freed, exists, cred, session,
                      threadStart, reparent, EventSamples.process(.comm, pid: 4242, comm: "renamed")]
        for index in events.indices { events[index].seq = UInt64(index * 1_000_003) }
        return events
    }

    @Test func theEncodersOwnLinesAreVouchedFor() throws {
        for event in LineFormTests.ordinary() {
            let line = EventSamples.line(event)
            let (decoded, form) = try LineFormTests.decoded(line)
            #expect(form == .asEncoded, "\(LineFormTests.text(line))")
            #expect(EventSamples.line(decoded) == line)
        }
    }

    @Test func vouchingIsNeverWrongForAnySample() throws {
        var vouched = 0
        for event in EventSamples.everyKind() + LineFormTests.ordinary() {
            let line = EventSamples.line(event)
            let (decoded, form) = try LineFormTests.decoded(line)
            if form == .asEncoded {
                vouched += 1
                #expect(EventSamples.line(decoded) == line, "\(LineFormTests.text(line))")
            }
        }
        #expect(vouched >= LineFormTests.ordinary().count)
    }

    /// Lines that decode to a record which encodes to another line: each
    /// must not be vouched for. The first check proves each case is a real
    /// difference, so dropping the rule that catches it fails the test.
    @Test(arguments: LineFormTests.differences())
    func aLineTheEncoderWouldWriteOtherwiseIsNotVouchedFor(_ difference: Difference) throws {
        let line = Array(difference.line.utf8)
        let (decoded, form) = try LineFormTests.decoded(line)
        #expect(EventSamples.line(decoded) != line, "not a difference: \(difference.name)")
        #expect(form == .unknown, "\(difference.name): \(difference.line)")
    }

    struct Difference: CustomTestStringConvertible, Sendable {
        var name: String
        var line: String
        var testDescription: String { name }
    }

    static func differences() -> [Difference] {
        let events = ordinary()
        let fork = text(EventSamples.line(events[0]))
        let exec = text(EventSamples.line(events[1]))
        let unread = text(EventSamples.line(events[3]))
        let exited = text(EventSamples.line(events[4]))
        let killed = text(EventSamples.line(events[5]))
        let reaped = text(EventSamples.line(events[7]))
        var differences: [Difference] = []
        func add(_ name: String, _ base: String, _ change: (String) -> String) {
            let changed = change(base)
            precondition(changed != base, "\(name): unchanged")
            differences.append(Difference(name: name, line: changed))
        }
        func replace(_ name: String, _ base: String, _ old: String, _ new: String) {
            add(name, base) { $0.replacingOccurrences(of: old, with: new) }
        }
        replace("a blank after a colon", exec, "\"pid\":", "\"pid\": ")
        replace("a blank before a comma", exec, ",\"ppid\":", " ,\"ppid\":")
        replace("a tab inside argv", exec, "\"argv\":[", "\"argv\":[\t")
        add("a trailing blank", exec) { $0 + " " }
        add("a leading blank", exec) { " " + $0 }
        replace("blanks around the braces", fork, "}", " }")
        replace("an escaped letter", exec, "\"comm\":\"cc\"", "\"comm\":\"\\u0063c\"")
        replace("an escaped slash", exec, "\"filename\":\"/usr", "\"filename\":\"\\/usr")
        replace("a raw DEL", exec, "\"-O2\"", "\"-O2\u{7f}\"")
        replace("minus zero", exec, "\"sid\":4242", "\"sid\":-0")
        replace("a major with a leading zero", exec, "\"exe_device\":\"259:2\"", "\"exe_device\":\"0259:2\"")
        replace("a minor with a leading zero", exec, "\"exe_device\":\"259:2\"", "\"exe_device\":\"259:02\"")
        add("upper-case digest digits", exec) { line in
            let start = line.range(of: "\"exe_sha256\":\"")!.upperBound
            let end = line.index(start, offsetBy: 64)
            return line.replacingCharacters(in: start..<end, with: line[start..<end].uppercased())
        }
        add("a leap second", exec) { line in
            let time = line.range(of: "\"time\":\"")!.upperBound
            let second = line.index(time, offsetBy: 17)
            return line.replacingCharacters(in: second..<line.index(second, offsetBy: 2), with: "60")
        }
        add("another time zone", exec) { line in
            let time = line.range(of: "\"time\":\"")!.upperBound
            let zone = line.index(time, offsetBy: 29)
            return line.replacingCharacters(in: zone..<line.index(after: zone), with: "+00:00")
        }
        replace("a comm longer than the kernel keeps", exec, "\"comm\":\"cc\"", "\"comm\":\"sixteen-chars-xy\"")
        replace("a null comm (the encoder lists it as unavailable)", exec, "\"comm\":\"cc\"", "\"comm\":null")
        add("keys in another order", exec) { line in
            line.replacingOccurrences(of: "\"pid\":4243,\"ppid\":4242", with: "\"ppid\":4242,\"pid\":4243")
        }
        replace("an unknown key", exec, ",\"uid\":", ",\"later\":1,\"uid\":")
        replace("a key written twice", exec, ",\"ppid\":4242", ",\"ppid\":1,\"ppid\":4242")
        replace("a rare flag written false", exec, "\"argv_truncated\":false", "\"argv_truncated\":false,\"kernel_thread\":false")
        add("a context field left out", exec) { line in
            line.replacingOccurrences(of: #","cwd":"/home/u""#, with: "")
        }
        add("the last field left out", fork) { line in
            line.replacingOccurrences(of: #","container_id":null"#, with: "")
        }
        replace("an exit code and a signal", exited, "\"signal\":null", "\"signal\":9")
        replace("a core without a signal", exited, "\"core_dumped\":false", "\"core_dumped\":true")
        replace("an exit code where the signal is", killed, "\"exit_code\":null", "\"exit_code\":0")
        replace("unavailable names out of order", unread, #"["filename","exe_sha256""#, #"["exe_sha256","filename""#)
        replace("an unavailable name twice", unread, #"["filename","#, #"["filename","filename","#)
        replace("an unknown unavailable name", unread, #"["filename","#, #"["filename","later","#)
        replace("unavailable listing comm (written as null)", unread, #"["filename","#, #"["filename","comm","#)
        replace("an empty unavailable list", exec, "}", #","unavailable":[]}"#)
        replace("unavailable before the last field", fork, #","container_id":null}"#, #","unavailable":["tty"],"container_id":null}"#)
        replace("a reaper 0 (written as null)", reaped, "\"reaper\":4242", "\"reaper\":0")
        // Kinds that are not vouched for at all.
        for event in EventSamples.everyKind() where [.start, .stop, .lost, .resync, .execFailed].contains(event.kind) {
            let line = text(EventSamples.line(event))
            switch event.kind {
            case .execFailed: replace("another error name", line, "\"ENOENT\"", "\"EPERM\"")
            case .stop: replace("a null lost count", line, "\"lost\":17", "\"lost\":null")
            case .lost where event.lostCount != nil: replace("a lost count with a leading blank", line, ":17", ": 17")
            case .resync: replace("a resync with a blank", line, "\"processes\":", "\"processes\": ")
            case .start: replace("another spelling of the format", line, "\"proctrace\"", "\"proc\\u0074race\"")
            default: break
            }
        }
        return differences
    }

    /// Random records with hostile strings and random changes to their
    /// lines: whatever is vouched for encodes to the line it came from.
    @Test func vouchedLinesEncodeTheSameOnRandomRecords() throws {
        var random = SplitMix64(seed: 0x5eed)
        func below(_ bound: Int) -> Int { Int(random.next() % UInt64(max(bound, 1))) }
        let alphabet: [UInt8] = Array("abc/ -._\"\\".utf8) + [0x00, 0x01, 0x0a, 0x1b, 0x7f, 0x80, 0xc3, 0xa9, 0xe2, 0x80, 0xae, 0xff]
        func bytes(_ limit: Int) -> [UInt8] {
            (0..<below(limit + 1)).map { _ in
                below(12) == 0 ? alphabet[below(alphabet.count)] : UInt8(ascii: "a") + UInt8(below(26))
            }
        }
        let changes: [(String) -> String] = [
            { $0 },
            { $0.replacingOccurrences(of: ":null", with: ": null") },
            { $0.replacingOccurrences(of: "\"a", with: "\"\\u0061") },
            { $0.replacingOccurrences(of: ",\"seq\"", with: ",\"seq\"") },
            { $0.replacingOccurrences(of: "\"reaper\":null", with: "\"reaper\":0") },
            { $0.replacingOccurrences(of: "\"exit_code\":null", with: "\"exit_code\":3") },
            { $0.replacingOccurrences(of: ":0,", with: ":-0,") },
            { $0.replacingOccurrences(of: "false", with: "true") },
        ]
        let kinds: [EventKind] = [.fork, .exec, .exit, .reap, .exists, .comm]
        var vouched = 0
        for round in 0..<3_000 {
            var event = EventSamples.process(kinds[below(kinds.count)], pid: Int32(below(5)),
                                             ppid: Int32(below(70_000)), comm: "", at: Int64(below(1 << 40)) - (1 << 39))
            event.seq = UInt64(below(1 << 30))
            event.comm = Comm(bytes(18))
            if below(8) == 0 { event.unavailable.insert(.comm) }
            if below(3) == 0 { event.unavailable.formUnion(below(2) == 0 ? [.exeSHA256] : [.argv, .tty, .nspid]) }
            event.filename = below(4) == 0 ? nil : bytes(20)
            event.argv = below(4) == 0 ? nil : ArgumentVector((0..<below(4)).map { _ in bytes(6) })
            event.argvTruncated = below(2) == 0
            event.state = below(2) == 0 ? 0 : UInt8(ascii: "R")
            if below(2) == 0 { event.credentials = EventSamples.credentials }
            if below(2) == 0 { event.session = SessionIDs(sid: 0, pgid: Int32(below(9))) }
            switch below(4) {
            case 0: event.exitStatus = WaitStatus(exitCode: below(256))
            case 1: event.exitStatus = WaitStatus(signal: 1 + below(64), coreDumped: below(2) == 0)
            default: break
            }
            event.reaper = below(3) == 0 ? nil : Int32(below(3))
            event.reapReason = .wait
            if below(2) == 0 {
                var context = EventSamples.context(cwd: "/", exe: "/bin/sh", cgroup: "/")
                context.cwd = below(3) == 0 ? nil : bytes(8)
                context.exeDevice = DeviceNumber(major: UInt32(below(12)), minor: UInt32(below(12)))
                context.auid = below(2) == 0 ? nil : UInt32(below(2000))
                event.context = context
            }
            let line = Array(changes[round % changes.count](LineFormTests.text(EventSamples.line(event))).utf8)
            guard let result = try? LineFormTests.decoded(line) else { continue }
            let (decoded, form) = result
            if form == .asEncoded {
                vouched += 1
                #expect(EventSamples.line(decoded) == line, "\(LineFormTests.text(line))")
            }
        }
        #expect(vouched > 150)
    }
}
