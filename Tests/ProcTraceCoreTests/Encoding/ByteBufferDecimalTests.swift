import ProcTraceCore
import Testing

@Suite struct ByteBufferDecimalTests {
    static func decimal(_ write: (ByteBuffer) -> Void) -> String {
        let buffer = ByteBuffer(capacity: 64)
        write(buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    @Test func everyDigitCountAndItsEdges() {
        var values: [UInt64] = [0, 1, 9, UInt64.max, UInt64.max - 1]
        var power: UInt64 = 10
        for _ in 1...19 {
            values += [power - 1, power, power + 1]
            if power > UInt64.max / 10 { break }
            power *= 10
        }
        values += [10_000_000_000_000_000_000 - 1, 10_000_000_000_000_000_000, 1_795_000_000_123_456_789, 42_424_242]
        for value in values {
            #expect(Self.decimal { $0.appendDecimal(value) } == String(value))
        }
        for value: Int64 in [0, -1, -10, 99, -100, Int64.max, Int64.min, -1_795_000_000_123_456_789] {
            #expect(Self.decimal { $0.appendDecimal(value) } == String(value))
        }
        for value: Int32 in [0, Int32.max, Int32.min, 4242] {
            #expect(Self.decimal { $0.appendDecimal(value) } == String(value))
        }
    }

    @Test func paddedToTheWidthAsked() {
        #expect(Self.decimal { $0.appendPadded(7, width: 2) } == "07")
        #expect(Self.decimal { $0.appendPadded(2026, width: 4) } == "2026")
        #expect(Self.decimal { $0.appendPadded(123_456_789, width: 9) } == "123456789")
        #expect(Self.decimal { $0.appendPadded(5, width: 9) } == "000000005")
        #expect(Self.decimal { $0.appendPadded(0, width: 1) } == "0")
        #expect(Self.decimal { $0.appendPadded(999, width: 3) } == "999")
    }
}
