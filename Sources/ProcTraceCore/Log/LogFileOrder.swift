/// Puts the files of a rotated log (`events.jsonl.2.gz`, `events.jsonl.1`,
/// `events.jsonl`, in whatever order a shell glob gave them) into the order
/// they were written: by the time of their first record, and, for files that
/// start at the same time or have no record, oldest rotation suffix first.
public enum LogFileOrder {
    /// `entries` in writing order, given the time of each one's first record (nil: none).
    public static func sorted<Entry>(_ entries: [(path: String, firstTime: Int64?, entry: Entry)]) -> [Entry] {
        sorted(entries.map { (path: $0.path, firstTime: $0.firstTime) }).map { entries[$0.position].entry }
    }

    private static func sorted(_ entries: [(path: String, firstTime: Int64?)]) -> [(path: String, position: Int)] {
        let keyed = entries.enumerated().map { position, entry in
            (path: entry.path, firstTime: entry.firstTime ?? Int64.max, rotation: rotationNumber(entry.path),
             position: position)
        }
        return keyed.sorted { a, b in
            if a.firstTime != b.firstTime { return a.firstTime < b.firstTime }
            if a.rotation != b.rotation { return a.rotation > b.rotation }
            return a.position < b.position
        }.map { (path: $0.path, position: $0.position) }
    }

    /// `events.jsonl.3.gz` → 3, `events.jsonl` → 0: logrotate's numbering, higher is older.
    public static func rotationNumber(_ path: String) -> Int {
        var name = Substring(path.split(separator: "/").last ?? "")
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        guard let dot = name.lastIndex(of: "."), let number = Int(name[name.index(after: dot)...]) else { return 0 }
        return number
    }
}

extension LogLineReader {
    /// The first record among the first few lines that decodes, without
    /// consuming anything (a pipe's lines are still there to be read).
    public func firstRecord() throws -> Event? {
        let decoder = JSONLineDecoder()
        var found: Event?
        var looked = 0
        try lookAhead { line in
            found = try? decoder.decode(line)
            looked += 1
            return found == nil && looked < 16
        }
        return found
    }
}
