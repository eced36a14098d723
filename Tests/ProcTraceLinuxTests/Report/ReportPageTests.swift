import CZlib
import Foundation
@testable import ProcTraceCore
import ProcTraceLinux
import ProcTraceTestSupport
import Testing

@Suite struct ReportPageTests {
    static let hostileArgument = "</script><script>window.__pwned=1</script>"
    static let hostileComm = "<img src=x onerror=window.__pwned=1>"

    private func hostileData() throws -> ReportData {
        var exec = LifecycleEvents.exec(70, ppid: 1, start: 700, argv: ["/bin/echo", Self.hostileArgument, "esc\u{1b}[31m", "\u{2028}"],
                                        at: 2_000)
        exec.comm = Comm(Self.hostileComm)
        var remaining = [LifecycleEvents.exists(1, ppid: 0, start: 1, comm: "init", at: 1_000), exec][...]
        return try RecordingReport.build(ReportSelection()) { remaining.popFirst() }
    }

    private func page(_ data: ReportData) throws -> String {
        String(decoding: try ReportPage.html(data, gzip: { try Gzip.compress($0, alongside: $1) }, nonce: "0123456789abcdef0123456789abcdef").array, as: UTF8.self)
    }

    /// The bytes of a data element, gunzipped from its base64.
    private func embedded(_ html: String, _ id: String) throws -> [UInt8] {
        let start = try #require(html.range(of: #"id="\#(id)">"#)?.upperBound)
        let end = try #require(html[start...].range(of: "</script>")?.lowerBound)
        return try Self.gunzip(try #require(Self.base64Decode(String(html[start..<end]))))
    }

    /// The JSON the page carries (before the NUL that starts the columns).
    private func embeddedJSON(_ html: String) throws -> String {
        let payload = try embedded(html, "report-data")
        return String(decoding: payload.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A part of the data ("p", "g" from the main element, "r" from the records element), its columns decoded.
    private func columns(_ html: String, _ part: String) throws -> [String: [Int64]] {
        let payload = try embedded(html, "report-data")
        let json = payload.prefix { $0 != 0 }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let numbers = try #require(object[part] as? [String: Int])
        let bytes = part == "r" ? try embedded(html, "report-records") : Array(payload[(json.count + 1)...])
        let table = try #require(object[part == "r" ? "record_columns" : "columns"] as? [[Int]])
        return numbers.mapValues { Self.varints(bytes, from: table[$0][0], count: table[$0][1]) }
    }

    static func varints(_ bytes: [UInt8], from offset: Int, count: Int) -> [Int64] {
        var values: [Int64] = []
        var at = offset
        for _ in 0..<count {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                let byte = bytes[at]
                at += 1
                value |= UInt64(byte & 0x7f) << shift
                shift += 7
                if byte < 0x80 { break }
            }
            values.append(Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1))
        }
        return values
    }

    @Test func logStringsNeverReachTheMarkup() throws {
        let html = try page(try hostileData())
        #expect(!html.contains("__pwned=1"), "the page's own self-check reads the flag, never sets it")
        #expect(!html.contains("<img"))
        #expect(!html.contains("\u{2028}"))
        // The page's own elements only: the schema's names, the two data elements and the script.
        #expect(html.components(separatedBy: "<script").count - 1 == 4)
        #expect(html.components(separatedBy: "</script>").count - 1 == 4)
        // The schema element holds the schema's tables and nothing from the log.
        let schemaStart = try #require(html.range(of: #"id="report-schema">"#)?.upperBound)
        let schemaEnd = try #require(html[schemaStart...].range(of: "</script>")?.lowerBound)
        #expect(Array(html[schemaStart..<schemaEnd].utf8) == ReportSchema.json())
        // Between each data element's tags there is nothing but base64.
        for id in ["report-data", "report-records"] {
            let start = try #require(html.range(of: #"id="\#(id)">"#)?.upperBound)
            let end = try #require(html[start...].range(of: "</script>")?.lowerBound)
            #expect(html[start..<end].allSatisfy { $0.isLetter && $0.isASCII || $0.isNumber || "+/=".contains($0) })
        }
    }

    @Test func theDataHoldsStringsAsTheLogEscapesThem() throws {
        let json = try embeddedJSON(try page(try hostileData()))
        // argv as the log writes the array, then JSON-quoted once more for the page's table.
        #expect(json.contains(#""[\"/bin/echo\",\"</script><script>window.__pwned=1</script>\",\"esc\\u001b[31m\",\"\\u2028\"]""#))
        #expect(json.contains(#""<img src=x oner""#), "comm: 15 bytes, as the kernel keeps it")
        #expect(json.hasPrefix(#"{"format":"proctrace-report","version":1,"#))
    }

    @Test func thePolicyAllowsOnlyThePagesOwnScriptAndNoRequest() throws {
        let html = try page(try hostileData())
        let policy = ReportPage.contentSecurityPolicy(nonce: "0123456789abcdef0123456789abcdef")
        #expect(html.contains(#"<meta http-equiv="Content-Security-Policy" content="\#(policy)">"#))
        #expect(policy.hasPrefix("default-src 'none'; script-src 'nonce-0123456789abcdef0123456789abcdef';"))
        #expect(policy.contains("connect-src 'none'") && policy.contains("img-src 'none'") && !policy.contains("unsafe"))
        #expect(html.contains(#"<script nonce="0123456789abcdef0123456789abcdef">"#))
        #expect(ReportPage.randomNonce() != ReportPage.randomNonce())
        #expect(ReportPage.randomNonce().count == 32)
    }

    @Test func columnsHaveOneEntryPerRowAndRecordsRoundTripTheirOrder() throws {
        let reader = try LogReader(paths: [Fixtures.path("build.jsonl")])
        let data = try RecordingReport.build(ReportSelection(), next: reader.next)
        let html = try page(data)
        let processes = try columns(html, "p")
        #expect(processes["pid"] == [1, 100, 101, 102, 103])
        #expect(processes["parent"] == [-1, 0, 1, 2, 2])
        #expect(processes["outcome"] == [0, 0, 2, 2, 3])
        #expect(processes["adopted"] == [-1, -1, -1, -1, 1])
        #expect(processes["begin"] == [0, 0, 100_000_000, 200_000_000, 1_200_000_000], "differences to the row before")
        #expect(processes.values.allSatisfy { $0.count == 5 })
        #expect(try embeddedJSON(html).contains(#""lost":[2600000000,3]"#))
        // Record kinds in log order (process records only), seq as differences.
        let records = try columns(html, "r")
        #expect(records["k"] == [1, 1, 2, 3, 2, 3, 4, 2, 3, 4, 5, 11, 4, 5, 5])
        #expect(records["s"] == [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1])
        #expect(records["p"] == [0, 1, 1, 0, 1, 0, 0, 1, 0, -2, 0, 2, 0, -1, 1], "row differences")
        // The reparent's ppid (1) as its difference to 103's first ppid (101).
        #expect(records["pp"]?[11] == -100)
    }

    @Test func varintsRoundTripLargeAndNegativeValues() throws {
        let store = ColumnStore()
        let values: [Int64] = [0, 1, -1, 63, -64, 64, 300, -300, 1 << 40, -(1 << 40), absentDifference, Int64(Int32.max)]
        #expect(store.add(values) == 0)
        #expect(Self.varints(store.parts[0].array, from: 0, count: values.count) == values)
        #expect(store.parts[0].array.prefix(4) == [0, 2, 1, 126])
    }

    /// The report's two parts are compressed at once, on two threads: each stream is the one
    /// compressing it alone gives (the page stays byte for byte the same).
    @Test func streamsCompressedAtOnceAreEachTheStreamCompressedAlone() throws {
        var generator = SystemRandomNumberGenerator()
        let inputs: [[[UInt8]]] = [
            [Array(repeating: 7, count: 3_000_000), (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }],
            [Array("records".utf8), (0..<1_500_000).map { UInt8(truncatingIfNeeded: $0 / 3) }],
            [],
        ]
        let buffers = inputs.map { parts in
            parts.map { part in
                let buffer = ByteBuffer(capacity: part.count)
                buffer.append(contentsOf: part)
                return buffer
            }
        }
        try withExtendedLifetime(buffers) {
            let alone = try buffers.map { try Gzip.compress($0.map(\.bytes)) }
            for (first, second) in [(0, 1), (1, 0), (0, 2), (2, 1)] {
                let streams = try Gzip.compress(buffers[first].map(\.bytes), alongside: buffers[second].map(\.bytes))
                #expect(streams.first == alone[first], "\(first) beside \(second)")
                #expect(streams.second == alone[second], "\(second) beside \(first)")
                #expect(try Self.gunzip(streams.first) == inputs[first].flatMap { $0 })
                #expect(try Self.gunzip(streams.second) == inputs[second].flatMap { $0 })
            }
        }
    }

    @Test func base64MatchesTheStandard() {
        let out = ByteBuffer()
        Base64.append(Array("Man is".utf8), to: out)
        #expect(String(decoding: out.array, as: UTF8.self) == "TWFuIGlz")
        for (input, expected) in [("M", "TQ=="), ("Ma", "TWE="), ("", "")] {
            let buffer = ByteBuffer()
            Base64.append(Array(input.utf8), to: buffer)
            #expect(String(decoding: buffer.array, as: UTF8.self) == expected)
        }
    }

    static func base64Decode(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var value: [UInt8: UInt32] = [:]
        for (index, byte) in alphabet.enumerated() { value[byte] = UInt32(index) }
        var output: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let digit = value[byte] else { return nil }
            buffer = buffer << 6 | digit
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(buffer >> UInt32(bits) & 0xff))
            }
        }
        return output
    }

    static func gunzip(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        #expect(inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = uInt(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: target[0..<(target.count - Int(stream.avail_out))])
                }
            } while status == Z_OK
        }
        #expect(status == Z_STREAM_END)
        return output
    }
}
