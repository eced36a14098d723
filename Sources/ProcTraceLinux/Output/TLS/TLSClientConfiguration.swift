#if canImport(Glibc)
import Glibc
#endif
import CProcTraceTLS
import ProcTraceCore

/// The TLS side of syslog+tls:// outputs, set up once at the start (the
/// files are read before capabilities are dropped): what the server's
/// certificate must be and, for mutual TLS, the client's certificate and key.
public final class TLSClientConfiguration: @unchecked Sendable {
    let pointer: OpaquePointer
    let settings: TLSSettings

    public init(_ settings: TLSSettings) throws {
        if settings.certificatePath != nil && settings.keyPath == nil {
            throw DeliveryError("--tls-cert needs --tls-key (the certificate's private key)")
        }
        if settings.keyPath != nil && settings.certificatePath == nil {
            throw DeliveryError("--tls-key needs --tls-cert (the certificate it belongs to)")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let pointer = pt_tls_config_new(&error, error.count) else {
            throw DeliveryError("TLS: \(String(cBuffer: error))")
        }
        self.pointer = pointer
        self.settings = settings
        try load(settings)
    }

    deinit { pt_tls_config_free(pointer) }

    private func load(_ settings: TLSSettings) throws {
        var error = [CChar](repeating: 0, count: 512)
        if let ca = settings.caPath {
            let pem = try TLSCredentialFile.read(ca, option: "--tls-ca", secret: false)
            guard pt_tls_config_trust_pem(pointer, pem, pem.count, &error, error.count) > 0 else {
                throw DeliveryError("--tls-ca \(UntrustedText.escaped(ca)): \(String(cBuffer: error))")
            }
        } else if settings.pinnedSHA256 != nil {
            pt_tls_config_skip_chain(pointer)
        } else if pt_tls_config_trust_system(pointer, &error, error.count) == 0 {
            throw DeliveryError("TLS: \(String(cBuffer: error)); give the collector's CA with --tls-ca")
        }
        if let certificate = settings.certificatePath, let key = settings.keyPath {
            let chain = try TLSCredentialFile.read(certificate, option: "--tls-cert", secret: false)
            guard pt_tls_config_use_chain(pointer, chain, chain.count, &error, error.count) == 1 else {
                throw DeliveryError("--tls-cert \(UntrustedText.escaped(certificate)): \(String(cBuffer: error))")
            }
            var secret = try TLSCredentialFile.read(key, option: "--tls-key", secret: true)
            defer { secret.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } } }
            guard pt_tls_config_use_key(pointer, secret, secret.count, &error, error.count) == 1 else {
                throw DeliveryError("--tls-key \(UntrustedText.escaped(key)): \(String(cBuffer: error))")
            }
        }
    }
}
