import PropertyBased
@testable import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// The decoder compares each key with the one the encoder writes there before
/// reading it. These check that the comparison is only a shortcut: with it and
/// without it, every line gives the same event or the same error.
@Suite struct ExpectedKeyTests {
    static let withComparison = JSONLineDecoder()
    static let readingEveryKey = JSONLineDecoder(comparesExpectedKeys: false)

    /// What decoding `line` gives, as text that differs if any field or the error differs.
    static func outcome(_ decoder: JSONLineDecoder, _ line: [UInt8]) -> String {
        do {
            return "event: " + String(reflecting: try decoder.decode(line))
        } catch {
            return "error: \(error)"
        }
    }

    static func expectSameOutcome(_ line: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        let compared = outcome(withComparison, line)
        let read = outcome(readingEveryKey, line)
        #expect(compared == read, "\(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
    }

    static let samples = EventSamples.everyKind().map(EventSamples.line)

    /// A line's top-level members (`"key":value`), split at the commas between them.
    static func members(of line: [UInt8]) -> [[UInt8]] {
        var members: [[UInt8]] = []
        var current: [UInt8] = []
        var depth = 0
        var inString = false
        var escaped = false
        for byte in line.dropFirst().dropLast() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                case UInt8(ascii: ",") where depth == 0:
                    members.append(current)
                    current = []
                    continue
                default: break
                }
            }
            current.append(byte)
        }
        members.append(current)
        return members
    }

    static func object(_ members: [[UInt8]], separator: String = ",") -> [UInt8] {
        Array("{".utf8) + Array(members.joined(separator: Array(separator.utf8))) + Array("}".utf8)
    }

    /// Splits `"key":value` at its colon.
    static func keyAndValue(_ member: [UInt8]) -> (key: [UInt8], value: [UInt8]) {
        var index = 1
        while member[index] != UInt8(ascii: "\"") { index += 1 }
        return (Array(member[...index]), Array(member[(index + 2)...]))
    }

    @Test func linesAsTheEncoderWritesThemDecodeAlike() {
        #expect(Self.samples.count > 10)
        for line in Self.samples { Self.expectSameOutcome(line) }
    }

    @Test func keysElsewhereThanExpectedGiveTheSameEvent() {
        for line in Self.samples {
            let original = Self.outcome(Self.withComparison, line)
            let members = Self.members(of: line)
            #expect(members.count >= 3)
            let spaced = members.map { member in
                let (key, value) = Self.keyAndValue(member)
                return key + Array(" :\t".utf8) + value
            }
            let escapedKeys = members.map { member -> [UInt8] in
                let hex = Array(String(member[1], radix: 16).utf8)
                return Array(#""\u00"#.utf8) + hex + Array(member[2...])
            }
            var variants: [[UInt8]] = [
                Self.object(members.reversed()),
                Self.object(members, separator: " ,"),
                Self.object(members, separator: ", "),
                Self.object(members, separator: "\r\n,\t"),
                Self.object(spaced),
                Self.object(escapedKeys),
                Array(" ".utf8) + line,
                Array("{ ".utf8) + line.dropFirst(),
            ]
            for position in 0...members.count {
                var withUnknown = members
                withUnknown.insert(Array(#""x_future":[1,{"seq":"a"},null]"#.utf8), at: position)
                variants.append(Self.object(withUnknown))
                if position < members.count {
                    var swapped = members
                    swapped.swapAt(position, (position + 1) % members.count)
                    variants.append(Self.object(swapped))
                }
            }
            for variant in variants {
                Self.expectSameOutcome(variant)
                #expect(Self.outcome(Self.withComparison, variant) == original, "\(String(decoding: variant, as: UTF8.self))")
            }
        }
    }

    /// A repeated key: the last value wins either way, and errors stay the same.
    @Test func duplicatedKeysDecodeAlike() {
        for line in Self.samples {
            let members = Self.members(of: line)
            for position in members.indices {
                var doubled = members
                doubled.insert(members[position], at: position + 1)
                Self.expectSameOutcome(Self.object(doubled))
                for other in members.indices where other != position {
                    // The key of one member with the value of another: often invalid.
                    var replaced = members
                    replaced.insert(Self.keyAndValue(members[position]).key + Array(":".utf8)
                                    + Self.keyAndValue(members[other]).value, at: position + 1)
                    Self.expectSameOutcome(Self.object(replaced))
                }
            }
        }
    }

    @Test func escapedValuesAndKeysCutShortDecodeAlike() {
        for line in Self.samples {
            for length in 0...line.count { Self.expectSameOutcome(Array(line.prefix(length))) }
        }
        Self.expectSameOutcome(Array(#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"f\u006frk","pid":1,"ppid":0,"comm":"a\"b","start_time":0}"#.utf8))
        Self.expectSameOutcome(Array(#"{"seq":1,"time":"2026-01-01T00:00:00Z","event":"fork","pid":1,"pid\"":0}"#.utf8))
        Self.expectSameOutcome(Array(#"{"seq":1,"seq":2,"time":"2026-01-01T00:00:00Z","event":"fork","pid":1,"ppid":0,"comm":"a","start_time":0}"#.utf8))
    }

    /// Mutated lines: both ways give the same event or the same error, column included.
    @Test func damagedLinesDecodeAlike() async {
        let samples = Self.samples
        await propertyCheck(count: 3000, input: Gen.int(in: 0...(samples.count - 1)), Gen.int(in: 0...10_000),
                            Gen.uint8(in: 0...255), Gen.int(in: 0...4)) { which, position, byte, mutation in
            var line = samples[which]
            LineMutation.apply(mutation, to: &line, at: position, byte: byte)
            Self.expectSameOutcome(line)
        }
    }

    @Test func generatedEventsDecodeAlike() async {
        await propertyCheck(count: 500, input: JSONLineDecoderPropertyTests.events) { event in
            Self.expectSameOutcome(EventSamples.line(event))
        }
    }
}
