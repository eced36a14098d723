import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct JSONLineDecoderTests {
    let decoder = JSONLineDecoder()

    private func roundTrip(_ event: Event) throws -> Event {
        try decoder.decode(EventSamples.line(event))
    }

    @Test func everyKindRoundTripsToTheSameLine() throws {
        for event in EventSamples.everyKind() {
            let line = EventSamples.line(event)
            let decoded = try decoder.decode(line)
            #expect(EventSamples.line(decoded) == line, "\(String(decoding: line, as: UTF8.self))")
            #expect(decoded.kind == event.kind)
        }
    }

    @Test func fieldsComeBackAsWritten() throws {
        let events = EventSamples.everyKind()
        let exec = try roundTrip(events.first { $0.kind == .exec }!)
        #expect(exec.pid == 4243 && exec.ppid == 4242 && exec.seq == 5)
        #expect(exec.time == EventSamples.baseTime)
        #expect(exec.startTime == 5_000_004_243)
        #expect(exec.comm == Comm("ls"))
        #expect(exec.filename == Array("/usr/bin/ls".utf8))
        #expect(exec.argv?.arguments == [Array("ls".utf8), Array("-l".utf8), [], Array("with space".utf8)])
        #expect(exec.credentials == EventSamples.credentials)
        #expect(exec.oldPid == 4250)

        let killed = try roundTrip(events.first { $0.kind == .exit && $0.pid == 4244 }!)
        #expect(killed.exitStatus?.summary == "killed by SIGSEGV (core dumped)")
        #expect(killed.durationNs == nil)

        let start = try roundTrip(events[0])
        #expect(start.stream == events[0].stream)

        let lost = try roundTrip(events.first { $0.kind == .lost && $0.lostCount == nil }!)
        #expect(lost.lostCount == nil)

        let freed = try roundTrip(events.first { $0.kind == .reap && $0.pid == 4244 }!)
        #expect(freed.reaper == nil && freed.reapReason == .freed)

        let zombie = try roundTrip(events.first { $0.state == UInt8(ascii: "Z") }!)
        #expect(zombie.exitStatus == WaitStatus(exitCode: 3))
        #expect(zombie.unavailable == [.filename, .argv])
    }

    @Test(arguments: [
        Array("line\nbreak".utf8), Array("\u{1b}[31mred\u{1b}[0m".utf8), Array("quote\" back\\slash".utf8),
        [0x66, 0x80, 0xff, 0xc3], // "f", two bytes that are never UTF-8, a truncated sequence
        [0xed, 0xa0, 0x80], // an encoded surrogate: invalid UTF-8
        Array("tab\there\u{7f}\u{85}\u{2028}\u{202e}rtl".utf8), Array("ünïcødé 🚀".utf8), [], [0x00, 0x01],
    ])
    func hostileBytesSurviveTheRoundTrip(bytes: [UInt8]) throws {
        var event = EventSamples.process(.exec, comm: "x")
        event.filename = bytes
        event.argv = ArgumentVector([bytes, [], bytes.filter { $0 != 0 }])
        event.comm = Comm(bytes.filter { $0 != 0 })
        let line = EventSamples.line(event)
        #expect(!line.contains(0x0a) && !line.contains(0x1b))
        let decoded = try decoder.decode(line)
        #expect(decoded.filename == bytes)
        #expect(decoded.argv == event.argv)
        #expect(decoded.comm == event.comm)
    }

    @Test func decodesEscapesOtherWritersUse() throws {
        let line = #"{"seq":1,"time":"2026-11-23T20:12:46.5+01:00","event":"exec","pid":7,"ppid":1,"# +
            #""comm":"\u0041\/b","start_time":0,"filename":"\ud83d\ude80\u00e9","argv":[],"argv_truncated":false}"#
        let event = try decoder.decode(line)
        #expect(event.comm == Comm("A/b"))
        #expect(event.filename == Array("🚀é".utf8))
        #expect(event.time == RFC3339.parse("2026-11-23T19:12:46.500000000Z"))
    }

    @Test func ignoresUnknownFieldsAndAcceptsAnyOrderAndSpacing() throws {
        let line = #" { "future" : {"nested":[1,2.5e3,true,null,"s"]}, "event":"fork", "pid":10, "ppid":1, "# +
            #""comm":"sh", "start_time":3, "seq":9, "time":"2026-01-01T00:00:00Z", "extra":-1 } "#
        let event = try decoder.decode(line)
        #expect(event.kind == .fork && event.pid == 10 && event.seq == 9 && event.startTime == 3)
    }

    @Test func refusesANewerSchema() throws {
        let line = #"{"seq":0,"time":"2026-01-01T00:00:00Z","event":"start","format":"proctrace","version":2}"#
        #expect(throws: JSONLineDecodingError.newerSchema(version: 2)) { try decoder.decode(line) }
        let message = String(describing: JSONLineDecodingError.newerSchema(version: 2))
        #expect(message == "schema version 2 is newer than this proctrace understands (1); upgrade proctrace")
    }

    @Test func refusesAnotherFormat() {
        let line = #"{"seq":0,"time":"2026-01-01T00:00:00Z","event":"start","format":"other","version":1}"#
        #expect(throws: JSONLineDecodingError.invalidRecord(#"not a proctrace log: format "other""#)) {
            try decoder.decode(line)
        }
    }

    @Test(arguments: [
        ("", "column 1: line ends early, expected '{'"),
        ("[]", "column 1: expected '{'"),
        (#"{"seq":1"#, "column 9: line ends early, expected '}'"),
        (#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"fork"} x"#, "column 56: unexpected text after the record"),
        (#"{"seq":-1}"#, "column 8: expected a non-negative integer"),
        (#"{"seq":1.5}"#, "column 9: expected an integer"),
        (#"{"seq":99999999999999999999}"#, "column 27: number too large"),
        (#"{"seq":1,"time":"2026-01-01T00:00:00Z"}"#, #"no "event" field"#),
        (#"{"seq":1,"time":"yesterday","event":"fork"}"#, #""time" is not an RFC 3339 timestamp: "yesterday""#),
        (#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"spawn"}"#, #"unknown event "spawn""#),
        (#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"fork","ppid":1,"comm":"a","start_time":0}"#,
         #"fork record has no "pid""#),
        (#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"fork","pid":4294967296}"#, #""pid" out of range: 4294967296"#),
        (#"{"comm":"\ud800"}"#, "column 10: high surrogate without its low half"),
        (#"{"comm":"\udc41"}"#, #"column 10: lone low surrogate \udc41 (only \udc80-\udcff carry raw bytes)"#),
        (#"{"comm":"\x41"}"#, #"column 10: unknown escape '\x'"#),
        (#"{"comm":"\u12"}"#, #"column 10: \u needs four hex digits"#),
        ("{\"comm\":\"a\tb\"}", "column 11: control character 0x9 inside a string"),
        (#"{"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
         "column 70: nested too deeply"),
        (#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"exit","pid":1,"ppid":0,"comm":"a","start_time":0,"exit_code":256}"#,
         #""exit_code" must be 0...255, not 256"#),
        (#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"cred","pid":1,"ppid":0,"comm":"a","start_time":0,"uid":0}"#,
         #"credentials are incomplete: no "euid", "suid", "gid", "egid", "sgid""#),
    ])
    func malformedInputThrowsADescriptiveError(line: String, message: String) {
        do {
            let event = try decoder.decode(line)
            Issue.record("decoded \(event.kind) from \(line)")
        } catch let error as JSONLineDecodingError {
            #expect(error.description == message)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
