import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

/// The log files a read command takes, and what to do with damaged lines.
struct LogInputOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Log files (plain or .gz). A rotated set is read oldest first, whatever the order given.",
                                 valueName: "file"))
    var files: [String] = []

    @Flag(help: "Pass over lines that are not valid records (counted and reported) instead of stopping at the first.")
    var skipInvalid = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name a log file, e.g. events.jsonl (or events.jsonl* for a rotated set).") }
    }

    /// Reading to the end (not following) decodes ahead on the machine's other cores.
    /// `keepingCanonicalLines`: see LogReader.forEachRecordWithLine.
    func makeReader(following: Bool = false, keepingCanonicalLines: Bool = false, skimmingTreeLines: Bool = false,
                    annotating: RecordAnnotator? = nil) throws -> LogReader {
        let reader = try LogReader(paths: files, skipInvalid: skipInvalid,
                                   decodingThreads: following ? 0 : LogReader.decodingThreadsHere,
                                   keepingCanonicalLines: keepingCanonicalLines,
                                   skimmingTreeLines: skimmingTreeLines, warn: { StandardError.warn($0) },
                                   annotating: annotating)
        if following { reader.startFollowing() }
        return reader
    }

    /// Every record to `body` (false stops), read errors reported as ReadFailure says: what `flush`
    /// writes out goes before a bad line's error (what was read before it is not lost), and the
    /// lines passed over are said at the end.
    func forEachRecord(flushing flush: () throws -> Void, skimmingTreeLines: Bool = false,
                       _ body: (inout Event) throws -> Bool) throws {
        try forEachRecord(flushing: flush, skimmingTreeLines: skimmingTreeLines, annotating: nil) { event, _ in
            try body(&event)
        }
    }

    /// The same, with what `annotating` noted of each record on the thread that decoded it
    /// (LogReader.forEachRecordWithNotes).
    func forEachRecord(flushing flush: () throws -> Void, skimmingTreeLines: Bool = false, annotating: RecordAnnotator?,
                       _ body: (inout Event, UnsafeBufferPointer<Int32>?) throws -> Bool) throws {
        try ReadFailure.reporting(skipping: skipInvalid) {
            let reader = try makeReader(skimmingTreeLines: skimmingTreeLines, annotating: annotating)
            do {
                if annotating == nil {
                    try reader.forEachRecord { event in try body(&event, nil) }
                } else {
                    try reader.forEachRecordWithNotes(body)
                }
            } catch {
                try flush()
                throw error
            }
            try flush()
            if reader.invalidLineCount > 0 { reportSkipped(reader) }
        }
    }
}
