#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// `proctrace verify`: reads a sealed recording (its files in the order they
/// were written, .gz too) and checks every seal (docs/sealing.md,
/// "Verifying"): the lines each covers (count and SHA-256), the chain of
/// MACs from seal to seal and file to file, the order of the key intervals,
/// and — with the verification key — each MAC and that no line is dated
/// before the key that sealed it existed.
public final class SealVerifier {
    public struct Options {
        /// Verification keys by key id (none: the chain is checked, authenticity is not).
        public var keys: [String: SealVerificationKey] = [:]
        /// The recording is over: its last file must end with `stop` and its seal.
        public var ended = false
        /// Now, nanoseconds since the epoch (whether the last seal is overdue).
        public var now: Int64 = Clock.realtimeNanoseconds
        /// How late a seal may be before its absence counts as a break.
        public var sealGrace: Int64 = 60 * 1_000_000_000

        public init() {}
    }

    /// What verify found in one file.
    public struct FileResult {
        public let path: String
        public internal(set) var lines = 0
        public internal(set) var seals = 0
        /// The first thing that breaks the chain in this file, with its line number.
        public internal(set) var problem: (line: Int, message: String)?
        /// Problems after the first (counted, not said).
        public internal(set) var laterProblems = 0
        /// The time of the last seal that verified before the first problem (from the start of the file).
        public internal(set) var provenUntil: Int64?
        /// Lines after the last seal (last file: not sealed yet).
        public internal(set) var unsealedTail = 0
        /// Something to know that is not a break (a pending tail, a chain begun before these files).
        public internal(set) var notes: [String] = []

        public var isIntact: Bool { problem == nil }
    }

    private let options: Options
    private let decoder = JSONLineDecoder()
    public private(set) var results: [FileResult] = []

    // The chain so far.
    private var lastSeal: (mac: SHA256Digest, next: UInt64, trigger: SealInfo.Trigger, time: Int64, file: String, line: Int)?
    private var sawSeal = false
    /// The lines since the last seal.
    private var segment = Coverage()
    /// The lines since a recording's `start` (seq 1) after the last seal: a recording's first seal covers these.
    private var run: Coverage?
    /// Lines before the first recording that has a seal, when no seal came before them: written before
    /// sealing began (fine when that recording's first seal begins the chain), with where that recording starts.
    private var beforeSealing: (lines: UInt64, startLine: Int)?
    /// Interval keys computed so far: the newest by key id (seals go forward, so each step is computed once).
    private var keyCache: [String: (interval: UInt64, key: [UInt8])] = [:]

    final class Coverage {
        var hasher = SHA256Hasher()
        var lines: UInt64 = 0
        var firstLine = 0
        var earliest: (time: Int64, line: Int)?

        func add(_ line: UnsafeRawBufferPointer, number: Int, time: Int64?) {
            if lines == 0 { firstLine = number }
            hasher.update(line)
            hasher.update(CollectionOfOne(UInt8(ascii: "\n")))
            lines += 1
            if let time, time < earliest?.time ?? .max { earliest = (time, number) }
        }
    }

    public init(options: Options) {
        self.options = options
    }

    /// Verifies `paths` (put in writing order first) and returns one result per file.
    public func verify(_ paths: [String]) throws -> [FileResult] {
        let ordered = try LogFileOrder.sorted(paths)
        for (index, path) in ordered.enumerated() {
            try verifyFile(path, isLast: index == ordered.count - 1)
        }
        return results
    }

    public var isIntact: Bool { results.allSatisfy(\.isIntact) && !results.isEmpty }

    private func verifyFile(_ path: String, isLast: Bool) throws {
        let file = try OpenLogFile(path: path)
        var result = FileResult(path: path)
        // Each file's lines start a segment: a cut file's tail is said at its end, once.
        segment = Coverage()
        run = nil
        var firstSealInFile = true
        while let line = try file.lines.nextLine() {
            let number = file.lines.lineNumber
            result.lines = number
            let event = try? decoder.decode(line)
            if let event, event.kind == .seal, let seal = event.seal {
                result.seals += 1
                if let before = beforeSealing {
                    beforeSealing = nil
                    if seal.previousMAC == nil && run != nil {
                        result.notes.append("lines 1–\(before.lines) come before sealing began (the recording at line "
                            + "\(before.startLine) has the key's first seal): not proven")
                    } else {
                        fail(&result, before.startLine, "a new recording starts here after \(before.lines) lines no seal covers, "
                             + "and its first seal continues a chain begun before: the end of the recording before was removed")
                    }
                }
                if let message = check(seal, time: event.time, raw: line, at: number, path: path, firstInFile: firstSealInFile) {
                    fail(&result, number, message)
                } else if result.problem == nil {
                    result.provenUntil = event.time
                }
                lastSeal = (seal.mac, seal.nextInterval, seal.trigger, event.time, path, number)
                sawSeal = true
                firstSealInFile = false
                segment = Coverage()
                run = nil
                continue
            }
            if let event, event.kind == .start, event.seq == 1 {
                // A new recording: the one before must have ended with stop and its seal.
                if !sawSeal {
                    // Nothing sealed yet: its first seal says whether the chain begins here.
                    if segment.lines > 0 { beforeSealing = (segment.lines, number) }
                } else {
                    let cleanStop = segment.lines == 0 && lastSeal?.trigger == .stop
                    if !cleanStop {
                        let unsealed = segment.lines + (run?.lines ?? 0)
                        fail(&result, number, "a new recording starts here, but the one before did not end with stop and its seal"
                             + (unsealed > 0 ? " (\(unsealed) lines after the last seal were never sealed)" : "")
                             + ": the recorder was killed or crashed, or records were removed")
                    }
                }
                run = Coverage()
            }
            segment.add(line, number: number, time: event?.time)
            run?.add(line, number: number, time: event?.time)
        }
        if file.lines.hasPartialLine {
            fail(&result, file.lines.lineNumber + 1, "the file ends in the middle of a line: it was cut")
        }
        result.unsealedTail = Int(segment.lines)
        if !isLast {
            if segment.lines > 0 || result.seals == 0 {
                fail(&result, file.lines.lineNumber, "\(segment.lines) lines after the last seal: a rotated file ends with a seal, "
                     + "so this one was cut (or lines were added)")
            }
        } else {
            finishLast(&result)
        }
        results.append(result)
    }

    private func finishLast(_ result: inout FileResult) {
        guard let lastSeal else {
            fail(&result, result.lines, "no seal in these files: not a sealed recording, or every seal was removed")
            return
        }
        let endedCleanly = segment.lines == 0 && lastSeal.trigger == .stop
        if endedCleanly { return }
        let tail = "\(segment.lines) lines after the last seal (line \(lastSeal.line), \(RFC3339.format(nanoseconds: lastSeal.time)))"
        if options.ended {
            fail(&result, result.lines, "the recording does not end with stop and its seal: \(tail); it was cut, "
                 + "or the recorder was killed")
            return
        }
        if let key = options.keys.values.first {
            let due = lastSeal.time + key.schedule.intervalSeconds * 1_000_000_000 + options.sealGrace
            if options.now > due {
                fail(&result, result.lines, "\(tail), and no seal since, though one was due by \(RFC3339.format(nanoseconds: due)): "
                     + "the log was cut, or the recorder stopped without sealing")
                return
            }
        }
        result.notes.append("\(tail) are not sealed yet (still recording?)")
    }

    private func fail(_ result: inout FileResult, _ line: Int, _ message: String) {
        if result.problem == nil {
            result.problem = (line, message)
        } else {
            result.laterProblems += 1
        }
    }

    /// The first thing wrong with a seal, or nil.
    private func check(_ seal: SealInfo, time: Int64, raw: UnsafeRawBufferPointer, at line: Int, path: String,
                       firstInFile: Bool) -> String? {
        let isRunStart = run != nil
        let coverage = run ?? segment
        let digest = coverage.hasher.finalize()
        let span = coverage.lines == 0 ? "no lines" : "lines \(coverage.firstLine)–\(line - 1)"
        if seal.lines != coverage.lines {
            return "the seal at line \(line) covers \(seal.lines) lines, \(coverage.lines) are there (\(span)): "
                + "lines were removed or added"
        }
        if seal.linesSHA256 != digest {
            return "\(span) do not match the seal at line \(line): a line was changed, removed, added or moved"
        }
        if let lastSeal {
            guard let previous = seal.previousMAC else {
                return "the seal at line \(line) begins a new chain after the seal at \(lastSeal.file):\(lastSeal.line): "
                    + "seals were removed, or forged"
            }
            if previous != lastSeal.mac {
                if firstInFile && lastSeal.file != path {
                    return "the first seal (line \(line)) follows a seal that is not at the end of \(UntrustedText.escaped(lastSeal.file)): "
                        + "a file between them is missing, or the files were cut or are not of one recording"
                }
                return "the seal at line \(line) does not follow the seal before it (line \(lastSeal.line)): "
                    + "seals were removed, added or copied from elsewhere"
            }
            if isRunStart ? seal.interval < lastSeal.next : seal.interval != lastSeal.next {
                return "the seal at line \(line) is made with the key of interval \(seal.interval), but the seal before it "
                    + "(line \(lastSeal.line)) says the next is made with interval \(lastSeal.next): seals were removed, "
                    + "or forged with a key taken later"
            }
        }
        guard !options.keys.isEmpty else { return nil }
        guard let key = options.keys[seal.keyID] else {
            return "the seal at line \(line) is made with key \(UntrustedText.escaped(seal.keyID)), not with the key given"
        }
        let latest = key.schedule.interval(at: options.now) + 1
        guard seal.interval <= latest else {
            return "the seal at line \(line) names interval \(seal.interval), which has not begun yet: forged"
        }
        // The line ends `"mac":"<64 hex digits>"}`: the MAC is over what comes before its value.
        let marker = Array("\"mac\":\"".utf8)
        guard raw.count > 66 + marker.count, raw[raw.count - 2] == UInt8(ascii: "\""), raw[raw.count - 1] == UInt8(ascii: "}"),
              raw[(raw.count - 66 - marker.count)..<(raw.count - 66)].elementsEqual(marker) else {
            return "the seal at line \(line) is not written as proctrace writes seals: forged or damaged"
        }
        let mac = SealKeySchedule.mac(intervalKey: intervalKey(key, seal.interval),
                                      prefix: UnsafeRawBufferPointer(rebasing: raw[..<(raw.count - 66)]))
        guard mac == seal.mac else {
            return "the seal at line \(line) is not authentic (its MAC is wrong): the seal or the line was forged or changed"
        }
        // A stop hands the next recording the next interval's key at once (the stop's key is erased): a
        // recording restarted within the interval uses it early, so its lines may be dated from the stop on.
        var begins = key.schedule.begin(of: seal.interval)
        if isRunStart, let lastSeal, lastSeal.trigger == .stop, seal.interval == lastSeal.next {
            begins = min(begins, lastSeal.time)
        }
        if let earliest = coverage.earliest, earliest.time < begins - SealKeySchedule.lateLineTolerance {
            return "line \(earliest.line) is dated \(RFC3339.format(nanoseconds: earliest.time)) but sealed with the key of "
                + "interval \(seal.interval), not usable before \(RFC3339.format(nanoseconds: begins)): lines were forged "
                + "with a key taken later"
        }
        if time < begins - SealKeySchedule.lateLineTolerance {
            return "the seal at line \(line) is dated before its key could be used: forged with a key taken later"
        }
        return nil
    }

    /// The key of `interval`, walked forward from the newest computed (or from k(0)).
    private func intervalKey(_ key: SealVerificationKey, _ interval: UInt64) -> [UInt8] {
        var (at, value) = keyCache[key.keyID] ?? (0, key.initialKey)
        if interval < at { (at, value) = (0, key.initialKey) }
        value = SealKeySchedule.evolve(value, steps: interval - at)
        keyCache[key.keyID] = (interval, value)
        return value
    }
}
