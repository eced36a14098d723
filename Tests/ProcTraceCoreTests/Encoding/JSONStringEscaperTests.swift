import ProcTraceCore
import Testing

struct JSONStringEscaperTests {
    func quoted(_ bytes: [UInt8]) -> String {
        let buffer = ByteBuffer(capacity: 64)
        JSONStringEscaper.appendQuoted(bytes, to: buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    static let cases: [([UInt8], String)] = [
        (Array("plain".utf8), #""plain""#),
        (Array("a\"b\\c".utf8), #""a\"b\\c""#),
        (Array("line1\nline2\ttab\r".utf8), #""line1\nline2\ttab\r""#),
        ([0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x65, 0x64], #""\u001b[31mred""#),
        ([0x00, 0x7f, 0x08, 0x0c], #""\u0000\u007f\b\f""#),
        ([0x62, 0x61, 0x64, 0xff, 0xfe, 0x75, 0x74, 0x66, 0x38], #""bad\udcff\udcfeutf8""#),
        (Array("héllo ✓ 🚀".utf8), "\"héllo ✓ 🚀\""),
        ([0xc2, 0x9b], #""\u009b""#),  // C1 CSI: a terminal escape in one character
        (Array("\u{202E}evil".utf8), #""\u202eevil""#),  // right-to-left override
        (Array("\u{2028}".utf8), #""\u2028""#),
        ([0xed, 0xa0, 0x80], #""\udced\udca0\udc80""#),  // an encoded surrogate is not UTF-8
        ([0xc0, 0xaf], #""\udcc0\udcaf""#),  // overlong '/'
        ([0xe2, 0x82], #""\udce2\udc82""#),  // truncated sequence
        ([0xf4, 0x90, 0x80, 0x80], #""\udcf4\udc90\udc80\udc80""#),  // past U+10FFFF
        ([], #""""#),
        ]

    @Test(arguments: cases)
    func escapesLosslesslyOnOneLine(bytes: [UInt8], expected: String) {
        let text = quoted(bytes)
        #expect(text == expected)
        #expect(!text.utf8.contains(0x0a))
        #expect(!text.utf8.contains(0x1b))
    }

    @Test func everySingleByteValueRoundTripsThroughTheDecoder() throws {
        for byte in UInt8.min...UInt8.max {
            var event = Event(kind: .exec, pid: 1)
            event.argv = ArgumentVector([[byte], [byte, byte, 0x41]])
            event.filename = [byte]
            let buffer = ByteBuffer()
            JSONLineEncoder().append(event, to: buffer)
            let line = Array(buffer.bytes)
            #expect(line.filter { $0 == 0x0a }.count == 1, "one line for byte \(byte)")
            let decoded = try JSONLineDecoder().decode(Array(line.dropLast()))
            #expect(decoded.argv == event.argv, "byte \(byte)")
            #expect(decoded.filename == event.filename, "byte \(byte)")
        }
    }
}
