import ProcTraceCore
import Testing

struct RFC3339OverflowTests {
    @Test(arguments: ["9999-12-31T23:59:59.999999999Z", "2263-01-01T00:00:00.000000000Z"])
    func timesPastTheNanosecondRangeAreRejectedNotTrapped(text: String) {
        #expect(RFC3339.parse(text) == nil)
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { RFC3339.parseCanonical($0) } == nil)
    }

    @Test func theLastRepresentableSecondStillParses() {
        #expect(RFC3339.parse("2262-04-11T23:47:16.854775807Z") == Int64.max)
    }
}

struct RFC3339FormattingTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000000000Z"),
        (Int64(1_795_465_644_524_654_127), "2026-11-23T20:27:24.524654127Z"),
        (Int64(951_782_400_000_000_001), "2000-02-29T00:00:00.000000001Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999999Z"),
    ])
    func formatsUTCWithNanoseconds(nanoseconds: Int64, text: String) {
        #expect(RFC3339.format(nanoseconds: nanoseconds) == text)
        #expect(RFC3339.parse(text) == nanoseconds)
    }

    @Test func parsesOffsetsAndShortFractions() {
        #expect(RFC3339.parse("2026-11-23T21:27:24.5+01:00") == 1_795_465_644_500_000_000)
        #expect(RFC3339.parse("2026-11-23 20:27:24Z") == 1_795_465_644_000_000_000)
        #expect(RFC3339.parse("2026-13-01T00:00:00Z") == nil)
        #expect(RFC3339.parse("yesterday") == nil)
    }
}
