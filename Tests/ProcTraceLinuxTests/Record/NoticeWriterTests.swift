import Foundation
import Glibc
import ProcTraceLinux
import Testing

/// `record`'s lines for standard error go through a queue and a thread of
/// their own: a standard error nobody reads holds up no caller.
@Suite(.blocking) struct NoticeWriterTests {
    /// A pipe nobody reads: every say() returns, the lines past the queue are
    /// counted, and once it is read the lines come in order, then the count.
    @Test func aStandardErrorNobodyReadsHoldsUpNoCaller() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let notices = NoticeWriter(fd: ends[1])
        notices.start()
        let total = 5_000  // 100-byte lines: 500 KB, far past the pipe's 64 KiB
        let line: @Sendable (Int) -> String = { "line \($0) " + String(repeating: "x", count: 90) }
        let said = DispatchSemaphore(value: 0)
        Thread {
            for index in 0..<total { notices.say(line(index)) }
            said.signal()
        }.start()
        let returned = said.wait(timeout: .now() + 20) == .success
        #expect(returned, "say() waited for the pipe")
        #expect(!notices.finish(within: 100_000_000), "the pipe took everything")

        // Read it all (this also frees a say() that waited), then the writer catches up.
        let reader = PipeReader(fd: ends[0])
        if !returned { _ = said.wait(timeout: .now() + 60) }
        #expect(notices.finish(within: 10_000_000_000))
        close(ends[1])
        // Lines in order; each gap (a full queue) said where it ends, with its size. There may be several:
        // the writer takes what waits whenever the pipe takes a write, which scheduling decides.
        var next = 0
        var dropped = 0
        for text in reader.lines() {
            if let count = Self.droppedCount(text) {
                #expect(count > 0)
                next += count
                dropped += count
            } else {
                #expect(text == line(next))
                next += 1
            }
        }
        #expect(next == total && dropped > 0 && dropped <= total - NoticeWriter.maximumLines)
    }

    /// N of `proctrace: N lines for standard error were dropped: …`.
    static func droppedCount(_ text: String) -> Int? {
        let prefix = "proctrace: ", suffix = " lines for standard error were dropped: it was not being read "
            + "(a full pipe, a stuck journal, a stopped terminal)"
        guard text.hasPrefix(prefix), text.hasSuffix(suffix) else { return nil }
        return Int(text.dropFirst(prefix.count).dropLast(suffix.count))
    }
}
