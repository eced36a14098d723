import ProcTraceCore
import Testing

/// The platform-free half of reading logs: lines split from bytes however the input hands them over.
@Suite struct LogLineReaderTests {
    /// Bytes in memory, handed out at most `step` at a time (as a pipe does).
    final class Bytes: LogByteInput {
        let bytes: [UInt8]
        let step: Int
        var position = 0
        var rewinds = 0

        init(_ text: String, step: Int) {
            bytes = Array(text.utf8)
            self.step = step
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let count = min(step, buffer.count, bytes.count - position)
            buffer.copyBytes(from: bytes[position..<position + count])
            position += count
            return count
        }

        func rewind() {
            position = 0
            rewinds += 1
        }
    }

    private func lines(_ reader: LogLineReader) throws -> [String] {
        var result: [String] = []
        while let line = try reader.nextLine() { result.append(String(decoding: line, as: UTF8.self)) }
        return result
    }

    @Test(arguments: [1, 3, 7, 4096])
    func linesCutAcrossReadsComeOutWhole(_ step: Int) throws {
        let reader = LogLineReader(input: Bytes("one\ntwo two\n\nthree\nfour", step: step), path: "memory")
        #expect(try lines(reader) == ["one", "two two", "", "three"])
        #expect(reader.lineNumber == 4)
        #expect(reader.hasPartialLine, "four has no newline yet")
    }

    @Test func lookingAheadPutsTheLinesBack() throws {
        let reader = LogLineReader(input: Bytes("a\nb\nc\n", step: 1), path: "memory")
        var seen: [String] = []
        try reader.lookAhead { line in
            seen.append(String(decoding: line, as: UTF8.self))
            return seen.count < 2
        }
        #expect(seen == ["a", "b"])
        #expect(reader.lineNumber == 0)
        #expect(try lines(reader) == ["a", "b", "c"])
    }

    @Test func restartingReadsFromTheStartAgain() throws {
        let input = Bytes("a\nb\n", step: 2)
        let reader = LogLineReader(input: input, path: "memory")
        #expect(try lines(reader) == ["a", "b"])
        reader.restart()
        #expect(input.rewinds == 1)
        #expect(try lines(reader) == ["a", "b"])
        #expect(reader.lineNumber == 2)
    }
}
