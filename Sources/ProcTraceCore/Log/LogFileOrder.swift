/// Puts the files of a rotated log (`events.jsonl.2.gz`, `events.jsonl.1`,
/// `events.jsonl`, in whatever order a shell glob gave them) into the order
/// they were written: by the time of their first record, and, for files that
/// start at the same time or have no record, oldest rotation suffix first.
public enum LogFileOrder {
    public static func sorted(_ paths: [String]) throws -> [String] {
        guard paths.count > 1 else { return paths }
        let keyed = try paths.enumerated().map { position, path in
            (path: path, firstTime: try firstRecordTime(path) ?? Int64.max, rotation: rotationNumber(path),
             position: position)
        }
        return keyed.sorted { a, b in
            if a.firstTime != b.firstTime { return a.firstTime < b.firstTime }
            if a.rotation != b.rotation { return a.rotation > b.rotation }
            return a.position < b.position
        }.map(\.path)
    }

    /// `events.jsonl.3.gz` → 3, `events.jsonl` → 0: logrotate's numbering, higher is older.
    public static func rotationNumber(_ path: String) -> Int {
        var name = Substring(path.split(separator: "/").last ?? "")
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        guard let dot = name.lastIndex(of: "."), let number = Int(name[name.index(after: dot)...]) else { return 0 }
        return number
    }

    /// The time of the first line that decodes, looking at the first few lines only.
    static func firstRecordTime(_ path: String) throws -> Int64? {
        let reader = try LogLineReader(path: path)
        let decoder = JSONLineDecoder()
        for _ in 0..<16 {
            guard let line = try reader.nextLine() else { return nil }
            if let event = try? decoder.decode(line) { return event.time }
        }
        return nil
    }
}
