import ProcTraceCore
import ProcTraceLinux
import Testing

/// SHA-256 and HMAC-SHA256 through libcrypto, against the published test vectors
/// (FIPS 180-2 appendix B, RFC 4231 section 4), one-shot, incremental and reused.
@Suite struct SHA256HasherTests {
    static let abc448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xf)]] })
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (abc448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func oneShotMatchesFIPSVectors(message: String, expected: String) {
        #expect(SHA256Hasher.hash(Array(message.utf8)).hex == expected)
        var hasher = SHA256Hasher()
        hasher.update(Array(message.utf8))
        #expect(hasher.finalize().hex == expected)
    }

    @Test func millionAsInUnevenChunks() {
        // FIPS 180-2 B.3: one million "a", fed in chunks that straddle the 64-byte blocks.
        var hasher = SHA256Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var left = 1_000_000
        while left > 0 {
            let count = min(left, chunk.count)
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            left -= count
        }
        #expect(hasher.finalize().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func everySplitOfAMessageGivesItsDigest() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let expected = SHA256Hasher.hash(message)
        var hasher = SHA256Hasher()
        for split in 0...message.count {
            hasher.update(message[..<split])
            hasher.update(message[split...])
            #expect(hasher.finalize() == expected, "split at \(split)")
        }
    }

    @Test func finalizeStartsAgain() {
        var hasher = SHA256Hasher()
        hasher.update(Array("abc".utf8))
        _ = hasher.finalize()
        #expect(hasher.finalize().hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        hasher.update(Array(Self.abc448.utf8))
        #expect(hasher.finalize().hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    static let rfc4231: [(key: [UInt8], message: [UInt8], mac: String)] = [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (Array(1...25), [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        // Keys longer than SHA-256's 64-byte block are hashed first.
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ([UInt8](repeating: 0xaa, count: 131),
         Array(("This is a test using a larger than block-size key and a larger than block-size data. "
             + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: 0..<rfc4231.count)
    func hmacMatchesRFC4231(index: Int) {
        let (key, message, mac) = Self.rfc4231[index]
        #expect(Self.hex(HMACSHA256.authenticationCode(key: key, message: message)) == mac)
        // Incremental, byte by byte, then the same context again under the same key.
        var hmac = HMACSHA256(key: key)
        for byte in message { hmac.update([byte]) }
        #expect(Self.hex(hmac.finalize()) == mac)
        hmac.update(message)
        #expect(Self.hex(hmac.finalize()) == mac)
    }

    @Test func hmacWithAnEmptyKeyAndMessage() {
        let mac = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        #expect(Self.hex(HMACSHA256.authenticationCode(key: [], message: [])) == mac)
        var hmac = HMACSHA256(key: [])
        #expect(Self.hex(hmac.finalize()) == mac)
    }

    @Test func differentKeysGiveDifferentCodes() {
        let message = Array("the same record".utf8)
        #expect(HMACSHA256.authenticationCode(key: [1], message: message)
            != HMACSHA256.authenticationCode(key: [2], message: message))
    }
}
