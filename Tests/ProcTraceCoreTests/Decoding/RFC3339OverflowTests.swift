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
