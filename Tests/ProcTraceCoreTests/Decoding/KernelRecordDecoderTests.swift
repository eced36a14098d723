import ProcTraceCore
import ProcTraceTestSupport
import Testing

struct KernelRecordDecoderTests {
    let decoder = KernelRecordDecoder(bootToEpochOffset: 1_000_000_000)

    func decode(_ bytes: [UInt8]) throws -> Event {
        try bytes.withUnsafeBytes { try decoder.decode($0) }
    }

    @Test func decodesAForkWithCredentialsSessionAndEpochTime() throws {
        let event = try decode(KernelRecordBuilder.fork(pid: 42, ppid: 7, startTime: 900, time: 1_000))
        #expect(event.kind == .fork)
        #expect(event.pid == 42 && event.ppid == 7 && event.startTime == 900)
        #expect(event.time == 1_000_001_000)
        #expect(event.credentials?.uid == 1000)
        #expect(event.session == SessionIDs(sid: 7, pgid: 8))
        #expect(event.comm == Comm("bash"))
        #expect(event.parentStartTime == 0)
    }

    @Test func decodesAnExecWithExactArgumentsAndTheCallingThread() throws {
        let bytes = KernelRecordBuilder.exec(pid: 42, ppid: 7, startTime: 900, time: 2_000, filename: "/bin/echo",
                                             arguments: ["echo", "", "a\nb"], oldPid: 43, truncated: true)
        let event = try decode(bytes)
        #expect(event.kind == .exec)
        #expect(event.filename == Array("/bin/echo".utf8))
        #expect(event.argv?.arguments == [Array("echo".utf8), [], Array("a\nb".utf8)])
        #expect(event.argvTruncated)
        #expect(event.oldPid == 43)
    }

    @Test func aForkNamesItsParentsLifetime() throws {
        let event = try decode(KernelRecordBuilder.fork(pid: 42, ppid: 7, startTime: 900, time: 1_000, parentStartTime: 77))
        #expect(event.parentStartTime == 77)
    }

    @Test func aFilenameTheKernelCutSaysSo() throws {
        let cut = try decode(KernelRecordBuilder.exec(pid: 42, ppid: 7, startTime: 900, time: 2_000, filename: "/very/long",
                                                      arguments: ["x"], filenameTruncated: true))
        #expect(cut.filenameTruncated && cut.filename == Array("/very/long".utf8))
        #expect(!cut.argvTruncated)
        let whole = try decode(KernelRecordBuilder.exec(pid: 42, ppid: 7, startTime: 900, time: 2_000, filename: "/bin/x",
                                                        arguments: ["x"], truncated: true))
        #expect(!whole.filenameTruncated && whole.argvTruncated)
    }

    @Test func argumentsTheKernelCouldNotReadAreUnknownNotEmpty() throws {
        var builder = KernelRecordBuilder(bytes: KernelRecordBuilder.exec(
            pid: 42, ppid: 7, startTime: 900, time: 2_000, filename: "/bin/true", arguments: []))
        builder.put(UInt32(120), at: KernelRecordLayout.Exec.argsTotal)
        let event = try decode(builder.bytes)
        #expect(event.argv == nil)
        #expect(event.unavailable.contains(.argv))
    }

    @Test func anExecByTheLeaderHasNoOldPid() throws {
        let event = try decode(KernelRecordBuilder.exec(pid: 42, ppid: 7, startTime: 900, time: 2_000,
                                                        filename: "/bin/true", arguments: ["true"]))
        #expect(event.oldPid == nil)
    }

    @Test(arguments: [
        (UInt32(3 << 8), 3 as Int?, nil as Int?, false),
        (UInt32(9), nil, 9, false),
        (UInt32(11 | 0x80), nil, 11, true),
        (UInt32(0), 0, nil, false),
    ])
    func decodesTheWaitStatus(status: UInt32, code: Int?, signal: Int?, core: Bool) throws {
        let event = try decode(KernelRecordBuilder.exit(pid: 42, ppid: 7, startTime: 900, time: 5_900, status: status))
        #expect(event.exitStatus?.exitCode == code)
        #expect(event.exitStatus?.signal == signal)
        #expect(event.exitStatus?.coreDumped == core)
        #expect(event.durationNs == 5_000)
    }

    @Test func decodesAReapWithItsReason() throws {
        let event = try decode(KernelRecordBuilder.reap(pid: 42, startTime: 900, time: 9_000, reaper: 7, reason: .autoreap))
        #expect(event.kind == .reap)
        #expect(event.reaper == 7)
        #expect(event.reapReason == .autoreap)
    }

    @Test func decodesAFailedExecWithItsErrnoFilenameAndArguments() throws {
        let bytes = KernelRecordBuilder.execFailed(pid: 42, ppid: 7, startTime: 900, time: 3_000,
                                                   filename: "/no/such", arguments: ["such", "", "a b"], error: 2)
        let event = try decode(bytes)
        #expect(event.kind == .execFailed)
        #expect(event.pid == 42 && event.ppid == 7 && event.startTime == 900 && event.comm == Comm("bash"))
        #expect(event.errorNumber == 2)
        #expect(event.filename == Array("/no/such".utf8))
        #expect(event.argv?.arguments == [Array("such".utf8), [], Array("a b".utf8)])
        #expect(!event.argvTruncated)
        let line = String(decoding: EventSamples.line(event), as: UTF8.self)
        #expect(line.contains(#""event":"exec_failed","pid":42,"ppid":7,"comm":"bash","start_time":900,"filename":"/no/such","argv":["such","","a b"],"argv_truncated":false,"errno":2,"error":"ENOENT"}"#), "\(line)")
    }

    @Test func everyShorterPrefixOfEveryRecordThrows() {
        let records = [
            KernelRecordBuilder.execFailed(pid: 1, ppid: 0, startTime: 1, time: 2, filename: "/x", arguments: ["x"], error: 13),
            KernelRecordBuilder.fork(pid: 1, ppid: 0, startTime: 1, time: 2),
            KernelRecordBuilder.exec(pid: 1, ppid: 0, startTime: 1, time: 2, filename: "/x", arguments: ["x", "y"]),
            KernelRecordBuilder.exit(pid: 1, ppid: 0, startTime: 1, time: 2, status: 0),
            KernelRecordBuilder.reap(pid: 1, startTime: 1, time: 2, reaper: 0),
        ]
        for record in records {
            for length in 0..<record.count {
                #expect(throws: RecordDecodingError.self) { try decode(Array(record.prefix(length))) }
            }
        }
    }

    @Test func lengthsThatPointPastTheRecordThrow() {
        let record = KernelRecordBuilder.exec(pid: 1, ppid: 0, startTime: 1, time: 2, filename: "/x", arguments: ["x"])
        for field in [KernelRecordLayout.Exec.argsLength, KernelRecordLayout.Exec.filenameLength] {
            var builder = KernelRecordBuilder(bytes: record)
            builder.put(UInt32.max, at: field)
            #expect(throws: RecordDecodingError.self) { try decode(builder.bytes) }
        }
        let failed = KernelRecordBuilder.execFailed(pid: 1, ppid: 0, startTime: 1, time: 2, filename: "/x", arguments: ["x"],
                                                    error: 2)
        for field in [KernelRecordLayout.ExecFailed.argsLength, KernelRecordLayout.ExecFailed.filenameLength] {
            var builder = KernelRecordBuilder(bytes: failed)
            builder.put(UInt32.max, at: field)
            #expect(throws: RecordDecodingError.self) { try decode(builder.bytes) }
        }
    }

    @Test func unknownKindsAndSizesBelowTheHeaderThrow() {
        var builder = KernelRecordBuilder(kind: .fork, size: KernelRecordLayout.Fork.byteCount)
        builder.put(UInt16(99), at: KernelRecordLayout.Header.kind)
        #expect(throws: RecordDecodingError.unknownKind(99)) { try decode(builder.bytes) }
        builder.put(UInt16(1), at: KernelRecordLayout.Header.kind)
        builder.put(UInt32(8), at: KernelRecordLayout.Header.size)
        #expect(throws: RecordDecodingError.self) { try decode(builder.bytes) }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...160, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count >= 8 {
                bytes[0] = UInt8.random(in: 0...11, using: &generator)
                bytes[1] = 0
                bytes[4] = UInt8(min(length, 255))
                bytes[5] = 0
                bytes[6] = 0
                bytes[7] = 0
            }
            _ = try? decode(bytes)
        }
    }
}
