import ProcTraceCore

/// How a syslog+tls:// output checks its collector and shows itself
/// (`--tls-ca`, `--tls-cert`, `--tls-key`, `--tls-fingerprint`).
public struct TLSSettings: Equatable, Sendable {
    /// PEM CA certificates the server's chain must end in; nil: the system's (/etc/ssl/certs).
    public var caPath: String?
    /// The client's PEM certificate (then any intermediates), for mutual TLS.
    public var certificatePath: String?
    /// The client certificate's unencrypted PEM private key.
    public var keyPath: String?
    /// The server certificate's SHA-256; with no caPath, instead of the chain and name checks.
    public var pinnedSHA256: [UInt8]?

    public init() {}

    public var isEmpty: Bool { self == TLSSettings() }

    /// `sha256:` and 64 hex digits, colons between pairs allowed (as `openssl x509 -fingerprint -sha256` prints).
    public static func fingerprint(_ text: String) throws -> [UInt8] {
        let lower = text.lowercased()
        guard lower.hasPrefix("sha256:") else {
            throw DeliveryError("--tls-fingerprint \(UntrustedText.escaped(text)): give sha256: and the certificate's "
                + "SHA-256 (openssl x509 -noout -fingerprint -sha256 -in CERT)")
        }
        let digits = lower.dropFirst("sha256:".count).filter { $0 != ":" }
        var bytes: [UInt8] = []
        var pending: UInt8?
        for digit in digits {
            guard let value = digit.hexDigitValue else { bytes = []; break }
            if let high = pending {
                bytes.append(high << 4 | UInt8(value))
                pending = nil
            } else {
                pending = UInt8(value)
            }
        }
        guard bytes.count == 32, pending == nil else {
            throw DeliveryError("--tls-fingerprint \(UntrustedText.escaped(text)): a SHA-256 fingerprint is 64 hex digits after sha256:")
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String {
        "sha256:" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: ":")
    }
}
