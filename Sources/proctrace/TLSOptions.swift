import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

/// `record` options for syslog+tls:// outputs: how the collector's
/// certificate is checked and, for mutual TLS, the recorder's own.
struct TLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-ca"), parsing: .unconditional, help: ArgumentHelp(
        "The CA certificates (PEM) the syslog+tls:// collector's certificate must chain to; its name or address "
            + "must be the URL's host. Default: the system's CAs.", valueName: "file"))
    var ca: String?

    @Option(name: .customLong("tls-cert"), parsing: .unconditional, help: ArgumentHelp(
        "This recorder's certificate (PEM, then any intermediates), for a collector that checks clients "
            + "(mutual TLS, rsyslog's x509/name mode); needs --tls-key.", valueName: "file"))
    var certificate: String?

    @Option(name: .customLong("tls-key"), parsing: .unconditional, help: ArgumentHelp(
        "The unencrypted PEM private key of --tls-cert: owned by root (or the user running proctrace), "
            + "readable by no other user.", valueName: "file"))
    var key: String?

    @Option(name: .customLong("tls-fingerprint"), parsing: .unconditional, help: ArgumentHelp(
        "Accept only the collector certificate with this SHA-256 (sha256:AB:CD:…, as openssl x509 -fingerprint "
            + "-sha256 prints it); without --tls-ca, instead of the CA and name checks.", valueName: "sha256:hex"))
    var fingerprint: String?

    var isEmpty: Bool { ca == nil && certificate == nil && key == nil && fingerprint == nil }

    func validate() throws {
        for (option, value) in [("--tls-ca", ca), ("--tls-cert", certificate), ("--tls-key", key)] where value?.isEmpty == true {
            throw ValidationError("\(option) needs a file name")
        }
        if (certificate == nil) != (key == nil) {
            throw ValidationError(certificate == nil ? "--tls-key needs --tls-cert (the certificate it belongs to)"
                                                     : "--tls-cert needs --tls-key (the certificate's private key)")
        }
        do {
            _ = try fingerprint.map(TLSSettings.fingerprint)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func settings() throws -> TLSSettings {
        var settings = TLSSettings()
        settings.caPath = ca
        settings.certificatePath = certificate
        settings.keyPath = key
        settings.pinnedSHA256 = try fingerprint.map(TLSSettings.fingerprint)
        return settings
    }
}
