import PropertyBased
import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct JSONLineDecoderPropertyTests {
    /// Bytes that are mostly trouble: quotes, backslashes, controls, invalid UTF-8, multi-byte characters.
    static let troublesomeBytes: [UInt8] = [
        UInt8(ascii: "a"), UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x00, 0x0a, 0x1b, 0x7f, 0x80, 0xc3, 0xa9, 0xe2, 0x80,
        0xa8, 0xed, 0xf0, 0x9f, 0xff, UInt8(ascii: "u"), UInt8(ascii: "d"), UInt8(ascii: " "),
    ]
    static let hostileBytes = Gen.int(in: 0...(troublesomeBytes.count - 1)).map { troublesomeBytes[$0] }.array(of: 0...24)

    static let events = zip(
        Gen.int(in: 0...(EventKind.allCases.count - 1)).map { EventKind.allCases[$0] }, Gen.int32(in: 0...Int32.max), Gen.int32(in: 0...Int32.max),
        hostileBytes, hostileBytes, hostileBytes.array(of: 0...4), Gen.uint64(), Gen.int64(in: 0...4_102_444_800_000_000_000),
        Gen.int(in: 0...511)
    ).map { kind, pid, ppid, name, text, arguments, number, time, status in
        makeEvent(kind, pid, ppid, name, text, arguments, number, time, status)
    }

    /// An event of `kind` with the fields its kind writes drawn from the inputs.
    static func makeEvent(_ kind: EventKind, _ pid: Int32, _ ppid: Int32, _ name: [UInt8], _ text: [UInt8],
                          _ arguments: [[UInt8]], _ number: UInt64, _ time: Int64, _ status: Int) -> Event {
        var event = Event(kind: kind, time: time, pid: pid, ppid: ppid, startTime: number)
        event.seq = number / 3
        event.comm = Comm(name.filter { $0 != 0 })
        event.tid = ppid
        event.oldPpid = pid / 2
        if status & 1 == 1 {
            event.credentials = Credentials(uid: UInt32(truncatingIfNeeded: number), euid: 0, suid: 1,
                                            gid: UInt32(status), egid: 2, sgid: UInt32.max)
            event.session = SessionIDs(sid: pid, pgid: ppid)
        }
        let exitStatus = status < 256 ? WaitStatus(exitCode: status) : WaitStatus(signal: status % 127 + 1, coreDumped: status & 2 == 2)
        switch kind {
        case .start:
            event.stream = StreamInfo(backend: String(decoding: name, as: UTF8.self), host: String(decoding: text, as: UTF8.self),
                                      bootID: "b", kernel: "k", proctraceVersion: "0", recorderPid: pid)
        case .exec, .exists:
            event.filename = status & 2 == 0 ? text : nil
            event.argv = status & 4 == 0 ? ArgumentVector(arguments.map { $0.filter { $0 != 0 } }) : nil
            event.argvTruncated = status & 8 == 0
            if kind == .exec && status & 16 == 0 { event.oldPid = ppid }
            if kind == .exists {
                event.state = status & 32 == 0 ? UInt8(ascii: "Z") : 0
                event.exitStatus = status & 32 == 0 ? exitStatus : nil
                event.isKernelThread = status & 64 == 0
                event.unavailable = UnavailableFields(rawValue: UInt32(status & 31))
            }
        case .exit:
            event.exitStatus = status & 4 == 0 ? exitStatus : nil
            event.durationNs = status & 8 == 0 ? number : nil
        case .reap:
            event.reaper = status & 4 == 0 ? max(ppid, 1) : nil
            event.reapReason = ReapReason.allCases[status % ReapReason.allCases.count]
        case .lost:
            event.lostCount = status & 4 == 0 ? number : nil
        case .seal:
            let digest = SHA256Digest(bytes: (0..<32).map { UInt8(truncatingIfNeeded: Int(truncatingIfNeeded: number) &+ $0 &* status) })
            event.seal = SealInfo(keyID: "0123456789abcdef", interval: number / 5, nextInterval: number / 5 + UInt64(status & 1),
                                  trigger: SealInfo.Trigger.allCases[status % 3], lines: number / 7, linesSHA256: digest,
                                  previousMAC: status & 2 == 0 ? digest : nil, mac: SHA256Digest(bytes: digest.bytes.reversed()))
        case .stop:
            event.eventCount = number
            event.lostCount = UInt64(status)
            event.unwrittenCount = number / 7
        case .resync:
            event.processCount = number
        default:
            break
        }
        return event
    }

    @Test func anyEventReadsBackAsTheSameLine() async {
        await propertyCheck(count: 500, input: Self.events) { event in
            let line = EventSamples.line(event)
            #expect(!line.contains(0x0a))
            do {
                let decoded = try JSONLineDecoder().decode(line)
                #expect(EventSamples.line(decoded) == line)
            } catch {
                Issue.record("\(error) decoding \(String(decoding: line, as: UTF8.self))")
            }
        }
    }

    /// Mutated and truncated lines: the decoder throws its own error or reads a record; it never traps.
    @Test func damagedLinesThrowOrDecodeButNeverCrash() async {
        let samples = EventSamples.everyKind().map(EventSamples.line)
        await propertyCheck(count: 2000, input: Gen.int(in: 0...(samples.count - 1)), Gen.int(in: 0...10_000),
                            Gen.uint8(in: 0...255), Gen.int(in: 0...3)) { which, position, byte, mutation in
            var line = samples[which]
            LineMutation.apply(mutation, to: &line, at: position, byte: byte)
            do {
                _ = try JSONLineDecoder().decode(line)
            } catch is JSONLineDecodingError {
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
    }
}
