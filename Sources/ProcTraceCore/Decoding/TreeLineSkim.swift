/// `fork`, `exit` and `reap` lines as JSONLineEncoder writes them, read only
/// for what a reader that rebuilds the process tree and looks at execs keeps
/// of them (`hunt`): seq, time, event, pid, ppid, comm and start_time, which
/// the encoder writes first and in that order. The rest of the line is only
/// checked to be printable ASCII ending in `}` (as every line the encoder
/// writes is), not parsed: three lines in four of a recording are of these
/// kinds, and decoding them in full was most of hunt's work.
///
/// Anything else (another kind, another key order, blanks, an escape in the
/// comm, a byte outside printable ASCII) is not skimmed: the caller decodes
/// the line in full, with its errors. So a line broken only in a field after
/// start_time passes here; `stats` and `replay` check every field.
enum TreeLineSkim {
    private static let seqKey = ShortLiteral(Array(#"{"seq":"#.utf8))
    private static let timeKey = ShortLiteral(Array(#","time":"#.utf8))
    private static let forkKey = ShortLiteral(Array(#","event":"fork","pid":"#.utf8))
    private static let exitKey = ShortLiteral(Array(#","event":"exit","pid":"#.utf8))
    private static let reapKey = ShortLiteral(Array(#","event":"reap","pid":"#.utf8))
    private static let ppidKey = ShortLiteral(Array(#","ppid":"#.utf8))
    private static let commKey = ShortLiteral(Array(#","comm":"#.utf8))
    private static let startTimeKey = ShortLiteral(Array(#","start_time":"#.utf8))

    /// Fills `event` (fresh: `Event(kind: .start)`) from `line` and returns
    /// true, or returns false having read nothing the caller must undo.
    static func read(_ line: UnsafeRawBufferPointer, into event: inout Event, recentSecond: inout RecentSecond) -> Bool {
        guard line.count > 80, line[line.count - 1] == UInt8(ascii: "}") else { return false }
        var scanner = JSONScanner(line)
        guard scanner.consume(seqKey), let seq = try? scanner.scanUnsigned(), scanner.consume(timeKey),
            let time = scanner.consumeString(length: RFC3339.canonicalLength, { recentSecond.parse($0) })
        else { return false }
        let kind: EventKind
        if scanner.consume(forkKey) {
            kind = .fork
        } else if scanner.consume(exitKey) {
            kind = .exit
        } else if scanner.consume(reapKey) {
            kind = .reap
        } else {
            return false
        }
        guard let pid = int32(&scanner), scanner.consume(ppidKey), let ppid = int32(&scanner), scanner.consume(commKey)
        else { return false }
        if scanner.consumeNull() {
            event.unavailable.insert(.comm)
        } else {
            guard let token = try? scanner.scanString(), !token.hasEscapes else { return false }
            event.comm = Comm(bytes: scanner.text(token))
        }
        // What was read is printable ASCII when it parsed (keys, digits, a canonical time) and the comm
        // is plain (the scanner says so); the rest is checked byte by byte. So an exec line, three times
        // as long and decoded in full anyway, is not.
        guard scanner.consume(startTimeKey), let startTime = try? scanner.scanUnsigned(), !scanner.isAtEnd,
            scanner.bytes[scanner.index] == UInt8(ascii: ",") || scanner.bytes[scanner.index] == UInt8(ascii: "}"),
            scanner.isAsEncoded, isPrintableASCII(UnsafeRawBufferPointer(rebasing: line[scanner.index...]))
        else {
            event.comm = Comm()
            event.unavailable = []
            return false
        }
        event.kind = kind
        event.seq = seq
        event.time = time
        event.pid = pid
        event.ppid = ppid
        event.startTime = startTime
        return true
    }

    private static func int32(_ scanner: inout JSONScanner) -> Int32? {
        (try? scanner.scanSigned()).flatMap { Int32(exactly: $0) }
    }

    /// Every byte in 0x20…0x7e, eight at a time.
    static func isPrintableASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        var flagged: UInt64 = 0
        while bytes.count - index >= 8 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            // 0x80 and up; below 0x20 (exact for a word with no byte of 0x80 and up); 0x7f.
            flagged |= word & highs | (word &- ones &* 0x20) & ~word & highs | (word &+ ones) & highs
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte > 0x7e { return false }
            index += 1
        }
        return flagged == 0
    }
}
