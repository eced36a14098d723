import ProcTraceCore
import Testing

@Suite struct ByteSizeTests {
    @Test(arguments: [("4096", 4096), ("64K", 64 << 10), ("64k", 64 << 10), ("16M", 16 << 20), ("1G", 1 << 30), ("0", 0)] as [(String, UInt64)])
    func sizesAsPeopleWriteThem(_ text: String, _ bytes: UInt64) {
        #expect(ByteSize(text)?.bytes == bytes)
    }

    @Test(arguments: ["", "M", "1.5M", "-1", "+1", "16 M", "16MB", "abc", "1T"])
    func notSizes(_ text: String) {
        #expect(ByteSize(text) == nil)
    }

    /// Too large for 64 bits is more than any limit, so the option's own limit refuses it with its reason.
    @Test func tooLargeForSixtyFourBitsIsTheLargestSize() {
        #expect(ByteSize("99999999999999999999G")?.bytes == .max)
        #expect(ByteSize("99999999999999999999")?.bytes == .max)
        #expect(ByteSize("17179869184G")?.bytes == .max)
    }

    @Test func writtenBackInTheLargestUnitThatDividesIt() {
        #expect(ByteSize.mebibytes(256).description == "256M")
        #expect(ByteSize(bytes: 1 << 30).description == "1G")
        #expect(ByteSize(bytes: 4097).description == "4097")
        #expect(ByteSize(bytes: 0).description == "0")
        #expect(ByteSize.kibibytes(64).isPowerOfTwo && !ByteSize(bytes: 3 << 20).isPowerOfTwo)
    }

    @Test func fileModes() {
        #expect(FileMode("0640")?.bits == 0o640)
        #expect(FileMode("0640")?.isPermissions == true)
        #expect(FileMode("7777")?.isPermissions == false)
        #expect(FileMode("0980") == nil)
        #expect(FileMode(bits: 0o600).description == "0600")
    }
}
