import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// A real recording (as root) of this script's processes, sealed with a 1 s interval, rotated every 48K
/// and compressed, with the key state copied half-way (an intruder's copy);
/// then every tampering of issue 30 on a copy of it, each caught by verify.
@Suite(.blocking, .serialized) struct SealedRecordingTests {
    struct Fixture {
        let directory: URL
        var logs: URL { directory.appendingPathComponent("logs") }
        var keyFile: URL { directory.appendingPathComponent("vkey") }
        let key: SealVerificationKey
        let stolen: SealKeyState
        let recordErrors: String
    }

    static let fixture: Result<Fixture, Error> = Result { try makeFixture() }

    static func makeFixture() throws -> Fixture {
        let directory = try Shell.temporaryDirectory()
        let result = try Shell.run("""
            set -e
            mkdir -m 700 "$D/state"; mkdir "$D/logs"
            "$PROCTRACE" seal init --key-file "$D/state/seal.key" --interval 1s > "$D/vkey"
            "$PROCTRACE" record --config /dev/null -o "$D/logs/events.jsonl" --rotate-size 48K --rotate-keep 50 \\
                --compress --seal-key "$D/state/seal.key" --pid $$ --descendants 2>"$D/record.err" & P=$!
            until grep -q '"event":"start"' "$D/logs/events.jsonl" 2>/dev/null; do
                kill -0 $P 2>/dev/null || { echo "record exited" >&2; exit 1; }
                sleep 0.02
            done
            i=0
            while [ $i -lt 45 ]; do
                for j in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done
                sleep 0.1
                i=$((i+1))
                # A copy taken between the erasing of the old file and the rename holds zeros: copied again.
                if [ $i -eq 22 ]; then
                    until cp "$D/state/seal.key" "$D/stolen.key" && grep -q '^last_mac' "$D/stolen.key"; do sleep 0.01; done
                fi
            done
            # The live file holds an interval seal before the stop's: an interval ends with lines to seal
            # (one exec each tenth of a second), so wait for the seal, 10 s at most. Only this script's
            # processes are recorded: a busy machine's own records rotated the file between the seal
            # and the stop, and the live file had no interval seal left.
            n=0
            # Looked for with the shell's own read (no exec): nothing of ours is recorded between the look
            # and the stop, so no rotation can fall there.
            sealed() { while read -r line; do case $line in *'"trigger":"interval"'*) return 0;; esac; done < "$D/logs/events.jsonl"; return 1; }
            until sealed || [ $n -ge 100 ]; do /bin/true; sleep 0.1; n=$((n+1)); done
            kill -TERM $P; wait $P; echo "status $?"
            """, environment: ["D": directory.path, "PROCTRACE": Binaries.proctrace], in: directory)
        let errors = (try? String(contentsOf: directory.appendingPathComponent("record.err"), encoding: .utf8)) ?? ""
        guard result.output.contains("status 0") else {
            throw RecordingError.recorderDidNotStart("record: \(result.output) \(result.errors) \(errors)")
        }
        let keyText = try String(contentsOf: directory.appendingPathComponent("vkey"), encoding: .utf8)
        let stolenText = try String(contentsOf: directory.appendingPathComponent("stolen.key"), encoding: .utf8)
        guard let key = SealVerificationKey(text: keyText), let stolen = SealKeyState(text: stolenText) else {
            throw RecordingError.recorderDidNotStart("unreadable keys: \(keyText) / \(stolenText)")
        }
        return Fixture(directory: directory, key: key, stolen: stolen, recordErrors: errors)
    }

    // MARK: Helpers

    /// A copy of the log files to tamper with.
    static func copy(_ fixture: Fixture) throws -> URL {
        let target = fixture.directory.appendingPathComponent("copy-\(UUID())")
        try FileManager.default.copyItem(at: fixture.logs, to: target)
        return target
    }

    /// The files in writing order (oldest rotation first, the live file last).
    static func files(_ directory: URL) throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("events.jsonl") }
        return names.sorted { LogFileOrder.rotationNumber($0) > LogFileOrder.rotationNumber($1) }
            .map { directory.appendingPathComponent($0) }
    }

    static func lines(_ file: URL) throws -> [String] {
        let data: Data
        if file.pathExtension == "gz" {
            let result = try Shell.run("gzip -dc \"$F\"", environment: ["F": file.path], in: file.deletingLastPathComponent())
            data = Data(result.output.utf8)
        } else {
            data = try Data(contentsOf: file)
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().map(String.init)
    }

    static func write(_ lines: [String], to file: URL, trailingNewline: Bool = true) throws {
        let text = lines.joined(separator: "\n") + (trailingNewline && !lines.isEmpty ? "\n" : "")
        if file.pathExtension == "gz" {
            let plain = file.deletingPathExtension()
            try text.write(to: plain, atomically: true, encoding: .utf8)
            let result = try Shell.run("gzip -c \"$F\" > \"$F.gz\" && rm \"$F\"", environment: ["F": plain.path],
                                       in: file.deletingLastPathComponent())
            #expect(result.status == 0, "\(result.errors)")
        } else {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    static func verify(_ fixture: Fixture, _ directory: URL, ended: Bool = false, now: Int64? = nil) throws -> SealVerifier {
        var options = SealVerifier.Options()
        options.keys = [fixture.key.keyID: fixture.key]
        options.ended = ended
        if let now { options.now = now }
        let verifier = SealVerifier(options: options)
        _ = try verifier.verify(try files(directory).map(\.path))
        return verifier
    }

    static func object(_ line: String) -> [String: Any] {
        LiveRecording.object(line) ?? [:]
    }

    static func isSeal(_ line: String) -> Bool { line.contains("\"event\":\"seal\"") }

    /// Index of the first process record (not a seal, not start) in `lines` after `index`.
    static func firstRecord(in lines: [String], after index: Int = 0, event: String = "exec") -> Int? {
        lines.indices.first { $0 > index && lines[$0].contains("\"event\":\"\(event)\"") }
    }

    /// The first file (after the oldest) with an exec of /bin/true followed by another record.
    static func fileWithExec(_ fixture: Fixture) throws -> Int {
        let files = try files(fixture.logs)
        for index in files.indices.dropFirst() {
            let lines = try lines(files[index])
            if let exec = firstRecord(in: lines), exec + 1 < lines.count, !isSeal(lines[exec + 1]) { return index }
        }
        throw RecordingError.recorderDidNotStart("no exec in the recording")
    }

    /// The line with the first digit of its pid changed.
    static func editedOneByte(_ line: String) -> String {
        var bytes = Array(line.utf8)
        let key = Array("\"pid\":".utf8)
        guard let at = (0..<(bytes.count - key.count)).first(where: { bytes[$0..<($0 + key.count)].elementsEqual(key) }) else {
            return line
        }
        let digit = at + key.count
        bytes[digit] = bytes[digit] == UInt8(ascii: "9") ? UInt8(ascii: "1") : bytes[digit] + 1
        return String(decoding: bytes, as: UTF8.self)
    }

    static func problems(_ verifier: SealVerifier) -> String {
        verifier.results.map { "\($0.path): \($0.problem.map { "\($0.line): \($0.message)" } ?? "intact")" }.joined(separator: "\n")
    }

    // MARK: A clean recording

    @Test func aCleanRecordingWithRotationAndCompressionVerifies() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let fixture = try Self.fixture.get()
        let files = try Self.files(fixture.logs)
        #expect(files.count >= 3, "rotated: \(files.map(\.lastPathComponent))")
        #expect(files.dropLast().allSatisfy { $0.pathExtension == "gz" })
        let all = try files.flatMap(Self.lines)
        let triggers = Set(all.filter(Self.isSeal).compactMap { Self.object($0)["trigger"] as? String })
        #expect(triggers == ["interval", "rotation", "stop"], "\(triggers)")
        for file in files.dropLast() {
            #expect(try Self.lines(file).last.map(Self.isSeal) == true, "\(file.lastPathComponent) ends with its seal")
        }
        #expect(all.last.map { Self.object($0)["trigger"] as? String } == "stop")
        let verifier = try Self.verify(fixture, fixture.logs, ended: true)
        #expect(verifier.isIntact, "\(Self.problems(verifier))")
        // The command says the same, with status 0; without a key, that authenticity is unproven.
        let keyed = try LiveRecording.run(Binaries.proctrace, ["verify", "--ended", "--key", fixture.keyFile.path] + files.map(\.path))
        #expect(keyed.0 == 0, "\(keyed.1)")
        #expect(keyed.1.contains("authenticity: proven with key \(fixture.key.keyID)"), "\(keyed.1)")
        let keyless = try LiveRecording.run(Binaries.proctrace, ["verify"] + files.map(\.path))
        #expect(keyless.0 == 0 && keyless.1.contains("authenticity: unproven"), "\(keyless.1)")
    }

    @Test func theKeyStateHoldsOnlyTheCurrentKey() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let fixture = try Self.fixture.get()
        let text = try String(contentsOf: fixture.directory.appendingPathComponent("state/seal.key"), encoding: .utf8)
        let state = try #require(SealKeyState(text: text))
        #expect(state.interval > fixture.stolen.interval && fixture.stolen.interval > 0)
        #expect(state.key == SealKeySchedule.evolve(fixture.key.initialKey, steps: state.interval))
        #expect(!text.contains(SealKeySchedule.evolve(fixture.key.initialKey, steps: 0).map { String(format: "%02x", $0) }.joined()))
        let attributes = try FileManager.default.attributesOfItem(atPath: fixture.directory.appendingPathComponent("state/seal.key").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // The last seal written is the one the next run chains to.
        let last = try Self.files(fixture.logs).last.map(Self.lines)?.last.map(Self.object)
        #expect(state.lastMAC?.hex == last?["mac"] as? String)
    }

    // MARK: Tampering

    /// Changes one byte of an exec line in `file` (an index into the files) and says what verify found.
    func tampered(_ change: (inout [String]) throws -> Void, file index: Int, ended: Bool = false) throws -> SealVerifier {
        let fixture = try Self.fixture.get()
        let copy = try Self.copy(fixture)
        let file = try Self.files(copy)[index]
        var lines = try Self.lines(file)
        try change(&lines)
        try Self.write(lines, to: file)
        return try Self.verify(fixture, copy, ended: ended)
    }

    @Test(arguments: [false, true]) func oneByteEdited(inTheLiveFile: Bool) throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let count = try Self.files(try Self.fixture.get().logs).count
        let verifier = try tampered({ lines in
            let index = try #require(Self.firstRecord(in: lines))
            lines[index] = Self.editedOneByte(lines[index])
        }, file: inTheLiveFile ? count - 1 : try Self.fileWithExec(try Self.fixture.get()))
        let broken = try #require(verifier.results.first { !$0.isIntact }, "caught")
        #expect(broken.problem?.message.contains("do not match the seal") == true, "\(Self.problems(verifier))")
    }

    @Test func aLineDeleted() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let file = try Self.fileWithExec(try Self.fixture.get())
        let verifier = try tampered({ lines in lines.remove(at: try #require(Self.firstRecord(in: lines))) }, file: file)
        #expect(!verifier.isIntact)
        #expect(verifier.results[file].problem?.message.contains("lines were removed or added") == true, "\(Self.problems(verifier))")
    }

    @Test func twoLinesSwapped() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let file = try Self.fileWithExec(try Self.fixture.get())
        let verifier = try tampered({ lines in
            let index = try #require(Self.firstRecord(in: lines))
            lines.swapAt(index, index + 1)
        }, file: file)
        #expect(verifier.results[file].problem?.message.contains("do not match the seal") == true, "\(Self.problems(verifier))")
    }

    @Test func aLineInserted() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let file = try Self.fileWithExec(try Self.fixture.get())
        let verifier = try tampered({ lines in
            let index = try #require(Self.firstRecord(in: lines))
            lines.insert(lines[index], at: index + 1)
        }, file: file)
        #expect(verifier.results[file].problem != nil, "\(Self.problems(verifier))")
    }

    /// The stop and its seal removed: the live file is cut after the seal before them.
    @Test func cutAfterTheLastSealBeforeTheStop() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let fixture = try Self.fixture.get()
        let last = try Self.files(fixture.logs).count - 1
        let cut: (inout [String]) throws -> Void = { lines in
            let seal = try #require(lines.lastIndex { Self.isSeal($0) && !$0.contains("\"trigger\":\"stop\"") })
            lines.removeSubrange((seal + 1)...)
        }
        #expect(!(try tampered(cut, file: last, ended: true)).isIntact, "the recording is known to have ended")
        // Not known to have ended: caught once a seal is overdue (here, an hour later).
        let copy = try Self.copy(fixture)
        let file = try Self.files(copy)[last]
        var lines = try Self.lines(file)
        try cut(&lines)
        try Self.write(lines, to: file)
        let later = try Self.verify(fixture, copy, now: Int64(Date().timeIntervalSince1970 + 3600) * 1_000_000_000)
        #expect(later.results[last].problem?.message.contains("no seal since") == true, "\(Self.problems(later))")
    }

    @Test func cutBeforeTheLastSeal() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        // The live file, in the middle of a line, before its last seal.
        let last = try Self.files(try Self.fixture.get().logs).count - 1
        let fixture = try Self.fixture.get()
        let copy = try Self.copy(fixture)
        let file = try Self.files(copy)[last]
        var lines = try Self.lines(file)
        let seal = try #require(lines.lastIndex(where: Self.isSeal))
        lines.removeSubrange((seal - 2)...)
        lines.append(String(lines.removeLast().prefix(40)))
        try Self.write(lines, to: file, trailingNewline: false)
        let verifier = try Self.verify(fixture, copy, ended: true)
        #expect(verifier.results[last].problem != nil, "\(Self.problems(verifier))")
        // A rotated file cut before its seal is caught with no more said.
        let rotated = try tampered({ lines in lines.removeSubrange((lines.count - 3)...) }, file: 1)
        #expect(rotated.results[1].problem?.message.contains("a rotated file ends with a seal") == true, "\(Self.problems(rotated))")
        #expect(rotated.results[2].problem?.message.contains("a file between them is missing") == true, "\(Self.problems(rotated))")
    }

    @Test func aRotatedFileRemoved() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let fixture = try Self.fixture.get()
        let copy = try Self.copy(fixture)
        let files = try Self.files(copy)
        try FileManager.default.removeItem(at: files[2])
        let verifier = try Self.verify(fixture, copy)
        #expect(verifier.results[2].problem?.message.contains("a file between them is missing") == true, "\(Self.problems(verifier))")
        // The oldest removed (as rotation does): the set still verifies from where it begins.
        let oldest = try Self.copy(fixture)
        try FileManager.default.removeItem(at: try Self.files(oldest)[0])
        #expect(try Self.verify(fixture, oldest).isIntact)
    }

    @Test func aSealReplayedFromAnotherFile() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let fixture = try Self.fixture.get()
        let copy = try Self.copy(fixture)
        let files = try Self.files(copy)
        let other = try Self.lines(files[1])
        var lines = try Self.lines(files[2])
        // File 2's rotation seal replaced by file 1's (authentic, same key, another place in the chain).
        lines[lines.count - 1] = other[other.count - 1]
        try Self.write(lines, to: files[2])
        let verifier = try Self.verify(fixture, copy)
        #expect(verifier.results[2].problem != nil, "\(Self.problems(verifier))")
    }

    // MARK: The key state taken at T

    enum Forgery { case keepIntervals, relabel }

    /// Re-seals the recording from the segment holding line `target` of file
    /// `file` on, with the stolen key state, after changing that line.
    static func forge(_ fixture: Fixture, file: Int, target: Int, _ strategy: Forgery) throws -> SealVerifier {
        let copy = try copy(fixture)
        let paths = try files(copy)
        var contents = try paths.map(lines)
        contents[file][target] = contents[file][target].replacingOccurrences(of: "\"comm\":\"true\"", with: "\"comm\":\"evil\"")
        var previousMAC: String?
        var covered: [String] = []
        var forging = false
        for (fileIndex, fileLines) in contents.enumerated() {
            for (index, line) in fileLines.enumerated() {
                guard isSeal(line) else {
                    covered.append(line)
                    if fileIndex == file && index == target { forging = true }
                    continue
                }
                let seal = object(line)
                defer { covered = [] }
                guard forging else {
                    previousMAC = seal["mac"] as? String
                    continue
                }
                let original = UInt64(seal["interval"] as! Int)
                let originalNext = UInt64(seal["next_interval"] as! Int)
                let interval = strategy == .relabel ? max(original, fixture.stolen.interval) : original
                let next = strategy == .relabel ? max(originalNext, interval) : originalNext
                var hasher = SHA256Hasher()
                for coveredLine in covered { hasher.update(Array((coveredLine + "\n").utf8)) }
                let prefix = "{\"seq\":\(seal["seq"] as! Int),\"time\":\"\(seal["time"] as! String)\",\"event\":\"seal\","
                    + "\"key_id\":\"\(seal["key_id"] as! String)\",\"interval\":\(interval),\"next_interval\":\(next),"
                    + "\"trigger\":\"\(seal["trigger"] as! String)\",\"lines\":\(covered.count),"
                    + "\"lines_sha256\":\"\(hasher.finalize().hex)\",\"prev_mac\":"
                    + (previousMAC.map { "\"\($0)\"" } ?? "null") + ",\"mac\":\""
                // The best the intruder has: the stolen key, moved on to the interval when it can be.
                let key = interval >= fixture.stolen.interval
                    ? SealKeySchedule.evolve(fixture.stolen.key, steps: interval - fixture.stolen.interval) : fixture.stolen.key
                let mac = Array(prefix.utf8).withUnsafeBytes { SealKeySchedule.mac(intervalKey: key, prefix: $0) }.hex
                contents[fileIndex][index] = prefix + mac + "\"}"
                previousMAC = mac
            }
        }
        for (path, fileLines) in zip(paths, contents) { try write(fileLines, to: path) }
        return try verify(fixture, copy, ended: true)
    }

    /// Where the intervals of the seals covering each file's lines begin: a target sealed before (or after) T.
    /// Never one before the recording's first seal: a seal with none before it is checked only by the
    /// dates of its lines, within the 2 minutes a line may be late (docs/sealing.md), and whether
    /// the recording began with an exec of `true` before its first seal is a matter of timing.
    static func target(_ fixture: Fixture, sealedBefore: Bool) throws -> (file: Int, line: Int)? {
        let contents = try files(fixture.logs).map(lines)
        var sealed = false
        for (fileIndex, fileLines) in contents.enumerated() {
            var candidate: Int?
            for (index, line) in fileLines.enumerated() {
                if isSeal(line) {
                    let interval = UInt64(object(line)["interval"] as! Int)
                    if let candidate, (interval < fixture.stolen.interval) == sealedBefore { return (fileIndex, candidate) }
                    candidate = nil
                    sealed = true
                } else if sealed, candidate == nil, line.contains("\"event\":\"exec\""), line.contains("\"comm\":\"true\"") {
                    candidate = index
                }
            }
        }
        return nil
    }

    @Test(arguments: [Forgery.keepIntervals, .relabel])
    func theKeyStateCopiedAtTCannotForgeBeforeT(_ strategy: Forgery) throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let fixture = try Self.fixture.get()
        let target = try #require(try Self.target(fixture, sealedBefore: true), "an exec sealed before the copy")
        let verifier = try Self.forge(fixture, file: target.file, target: target.line, strategy)
        #expect(!verifier.isIntact, "forged before T and not caught")
        let message = verifier.results.compactMap(\.problem).first?.message ?? ""
        switch strategy {
        case .keepIntervals: #expect(message.contains("not authentic"), "\(Self.problems(verifier))")
        case .relabel: #expect(message.contains("forged with a key taken later"), "\(Self.problems(verifier))")
        }
    }

    /// The control: the same intruder rewrites what was sealed after T, and
    /// verify cannot tell (the documented limit: records after the intruder
    /// took the host are theirs). So the forgery above is a real one.
    @Test func whatIsSealedAfterTIsTheIntrudersToRewrite() throws {
        try #require(Privilege.isRoot, "needs root: records with the real recorder")
        let fixture = try Self.fixture.get()
        let target = try #require(try Self.target(fixture, sealedBefore: false), "an exec sealed after the copy")
        let verifier = try Self.forge(fixture, file: target.file, target: target.line, .keepIntervals)
        #expect(verifier.isIntact, "\(Self.problems(verifier))")
    }
}
