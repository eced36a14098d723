@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// The decoding threads decode each line into a slot used before, with the
/// arrays of earlier records (RecycledBuffers): a record must come out as a
/// fresh decode gives it, whatever the slot held, and what a caller kept of
/// an earlier record must not change.
@Suite struct RecycledDecodingTests {
    @Test func aSlotDecodedIntoAgainAndAgainGivesWhatAFreshDecodeGives() throws {
        let lines = LineFormTests.ordinary().map(EventSamples.line)
        var slot = Event(kind: .start)
        var buffers = RecycledBuffers()
        var generator = SystemRandomNumberGenerator()
        // Every kind after every other, in several orders, so each array and box is passed on.
        for round in 0..<40 {
            let order = round == 0 ? Array(lines) : lines.shuffled(using: &generator)
            for line in order {
                var form = LineForm.unknown
                try line.withUnsafeBytes { try JSONLineDecoder().decode($0, into: &slot, form: &form, recycling: &buffers) }
                let fresh = try LineFormTests.decoded(line)
                #expect(EventSamples.line(slot) == EventSamples.line(fresh.event), "\(LineFormTests.text(line))")
                #expect(form == fresh.form)
            }
        }
        #expect(buffers.byteArrays.count <= RecycledBuffers.limit && buffers.contexts.count <= RecycledBuffers.limit)
    }

    @Test func whatTheCallerKeptOfARecordIsNotWrittenOver() throws {
        let exec = LineFormTests.ordinary()[1]
        #expect(exec.kind == .exec && exec.argv != nil && exec.context?.cwd != nil)
        var other = exec
        other.filename = Array("/usr/bin/other-program".utf8)
        other.argv = ArgumentVector(strings: ["other", "--flag"])
        other.context?.cwd = Array("/elsewhere".utf8)
        var slot = Event(kind: .start)
        var buffers = RecycledBuffers()
        var form = LineForm.unknown
        try EventSamples.line(exec).withUnsafeBytes {
            try JSONLineDecoder().decode($0, into: &slot, form: &form, recycling: &buffers)
        }
        // A tree keeps these (ProcessNode holds the argv, filename and context box).
        let keptArgv = slot.argv
        let keptFilename = slot.filename
        let keptContext = slot.context
        for _ in 0..<3 {
            try EventSamples.line(other).withUnsafeBytes {
                try JSONLineDecoder().decode($0, into: &slot, form: &form, recycling: &buffers)
            }
            #expect(EventSamples.line(slot) == EventSamples.line(other))
        }
        #expect(keptArgv == exec.argv && keptFilename == exec.filename && keptContext == exec.context)
    }

    /// A line that throws leaves the slot holding no record; the next line decodes as usual.
    @Test func aLineThatFailsHalfwayLeavesNothingBehind() throws {
        let exec = LineFormTests.ordinary()[1]
        var slot = Event(kind: .start)
        var buffers = RecycledBuffers()
        var form = LineForm.unknown
        let line = EventSamples.line(exec)
        let cut = Array(line.dropLast(40))
        try line.withUnsafeBytes { try JSONLineDecoder().decode($0, into: &slot, form: &form, recycling: &buffers) }
        #expect(throws: JSONLineDecodingError.self) {
            try cut.withUnsafeBytes { try JSONLineDecoder().decode($0, into: &slot, form: &form, recycling: &buffers) }
        }
        let reap = LineFormTests.ordinary()[7]
        try EventSamples.line(reap).withUnsafeBytes {
            try JSONLineDecoder().decode($0, into: &slot, form: &form, recycling: &buffers)
        }
        #expect(EventSamples.line(slot) == EventSamples.line(reap))
    }
}
