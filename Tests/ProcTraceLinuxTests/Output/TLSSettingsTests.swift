import Foundation
import Testing
@testable import ProcTraceLinux

/// The parts of syslog+tls:// that need no collector: the URL, the pin, and
/// the checks on the files read through the opened descriptor.
@Suite(.blocking)
struct TLSSettingsTests {
    @Test func theURLNamesHostAndPort() throws {
        #expect(try OutputTarget.network("syslog+tls://logs.example:6514") == .syslog(.tls(host: "logs.example", port: 6514)))
        #expect(try OutputTarget.network("syslog+tls://[::1]:6514")?.description == "syslog+tls://[::1]:6514")
        #expect(throws: DeliveryError.self) { try OutputTarget.network("syslog+tls://logs.example") }
        #expect(try OutputTarget.network("relp://collector:2514") == .syslog(.relp(host: "collector", port: 2514)))
        #expect(try OutputTarget.network("relp://collector:2514")?.description == "relp://collector:2514")
        #expect(throws: DeliveryError.self) { try OutputTarget.network("relp:collector") }
    }

    @Test func aFingerprintIsSHA256InHexWithOrWithoutColons() throws {
        let hex = String(repeating: "ab", count: 32)
        let colons = stride(from: 0, to: 64, by: 2).map { i in hex.dropFirst(i).prefix(2) }.joined(separator: ":")
        #expect(try TLSSettings.fingerprint("sha256:" + hex) == Array(repeating: 0xab, count: 32))
        #expect(try TLSSettings.fingerprint("SHA256:" + colons.uppercased()) == Array(repeating: 0xab, count: 32))
        for bad in ["ab" + hex, "sha256:" + hex.dropLast(2), "sha256:" + hex + "ab", "sha1:" + hex, "sha256:" + hex.dropLast() + "g"] {
            #expect(throws: DeliveryError.self, "\(bad)") { try TLSSettings.fingerprint(String(bad)) }
        }
        #expect(TLSSettings.hex(Array(repeating: 0x0f, count: 2)) == "sha256:0F:0F")
    }

    @Test func aKeyOthersCanReadALinkAndAWritableCAAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key.pem").path
        try Data("secret".utf8).write(to: URL(fileURLWithPath: key))
        chmod(key, 0o600)
        #expect(try TLSCredentialFile.read(key, option: "--tls-key", secret: true) == Array("secret".utf8))
        chmod(key, 0o640)
        #expect(try TLSCredentialFile.read(key, option: "--tls-key", secret: true) == Array("secret".utf8))
        chmod(key, 0o644)
        let refused = #expect(throws: DeliveryError.self) { try TLSCredentialFile.read(key, option: "--tls-key", secret: true) }
        #expect(refused?.description == "refusing --tls-key \(key): other users can read it (mode 0644); chmod 0600 it (0640 for a group such as ssl-cert)")
        // A certificate others may read, but not write.
        #expect(try TLSCredentialFile.read(key, option: "--tls-ca", secret: false).count == 6)
        chmod(key, 0o664)
        #expect(throws: DeliveryError.self) { try TLSCredentialFile.read(key, option: "--tls-ca", secret: false) }
        chmod(key, 0o600)
        let link = directory.appendingPathComponent("link.pem").path
        symlink(key, link)
        #expect(throws: DeliveryError.self) { try TLSCredentialFile.read(link, option: "--tls-key", secret: true) }
        // Owned by someone else than root or the user running it.
        chown(key, 4242, 4242)
        #expect(throws: DeliveryError.self) { try TLSCredentialFile.read(key, option: "--tls-key", secret: true, effectiveUser: 0) }
        #expect(throws: DeliveryError.self) { try TLSCredentialFile.read(directory.path, option: "--tls-ca", secret: false) }
    }

    /// A CA file that is no PEM, or has a broken certificate after good ones, is refused at the start.
    @Test func aCAFileWithABrokenCertificateIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = directory.appendingPathComponent("ca.pem").path
        let made = Process()
        made.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        made.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                          "-keyout", directory.appendingPathComponent("ca.key").path, "-out", ca, "-subj", "/CN=t"]
        made.standardError = FileHandle.nullDevice
        try made.run()
        made.waitUntilExit()
        let good = try String(contentsOfFile: ca, encoding: .utf8)
        var settings = TLSSettings()
        settings.caPath = ca
        _ = try TLSClientConfiguration(settings)
        for (text, reason) in [("not a certificate\n", "no PEM certificate in it"),
                               (good + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "a broken certificate after the first")] {
            try text.write(toFile: ca, atomically: false, encoding: .utf8)
            let refused = #expect(throws: DeliveryError.self) { try TLSClientConfiguration(settings) }
            #expect(refused?.description.hasPrefix("--tls-ca \(ca): \(reason)") == true, "\(refused?.description ?? "")")
        }
    }
}
