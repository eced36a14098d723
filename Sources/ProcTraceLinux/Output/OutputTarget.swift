/// Where `--output` sends records: a file (or standard output), the
/// journal, or a syslog receiver. Anything not spelled as one of the others
/// is a file name (a file called "journal" is "./journal").
public enum OutputTarget: Equatable, Sendable, CustomStringConvertible {
    case file(ExactPath)
    case journal
    case syslog(SyslogEndpoint)

    public enum SyslogEndpoint: Equatable, Sendable {
        case tcp(host: String, port: UInt16)
        /// RFC 5425: octet-counted messages over TLS 1.2+ (TLSSettings say how the server is checked).
        case tls(host: String, port: UInt16)
        case udp(host: String, port: UInt16)
        /// RELP (rsyslog's imrelp): each message answered by the collector.
        case relp(host: String, port: UInt16)
        case unix(path: String)
    }

    /// nil: not a network output (a file name); throws for a malformed syslog address.
    public static func network(_ text: String) throws -> OutputTarget? {
        if text == "journal" { return .journal }
        guard text.hasPrefix("syslog") || text.hasPrefix("relp:") else { return nil }
        for (scheme, make) in [("syslog+tcp://", SyslogEndpoint.tcp), ("syslog+tls://", SyslogEndpoint.tls),
                             ("syslog+udp://", SyslogEndpoint.udp), ("relp://", SyslogEndpoint.relp)] {
            guard text.hasPrefix(scheme) else { continue }
            let address = text.dropFirst(scheme.count)
            guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]), port > 0 else {
                throw DeliveryError("\(text): give the receiver as \(scheme)HOST:PORT, e.g. \(scheme)127.0.0.1:514")
            }
            var host = String(address[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw DeliveryError("\(text): the host is missing (\(scheme)HOST:PORT)") }
            return .syslog(make(host, port))
        }
        if text.hasPrefix("syslog+unix://") {
            let path = String(text.dropFirst("syslog+unix://".count))
            guard path.hasPrefix("/") else { throw DeliveryError("\(text): give the socket as syslog+unix:///dev/log") }
            return .syslog(.unix(path: path))
        }
        if text.hasPrefix("syslog:") || text.hasPrefix("syslog+") || text.hasPrefix("relp:") {
            throw DeliveryError("\(text): a syslog output is syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT, syslog+udp://HOST:PORT, syslog+unix:///dev/log or relp://HOST:PORT")
        }
        return nil
    }

    public var description: String {
        switch self {
        case .file(let path): path.text
        case .journal: "journal"
        case .syslog(.tcp(let host, let port)): "syslog+tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .syslog(.tls(let host, let port)): "syslog+tls://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .syslog(.udp(let host, let port)): "syslog+udp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .syslog(.unix(let path)): "syslog+unix://\(path)"
        case .syslog(.relp(let host, let port)): "relp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }

    /// A directory name for this output's part of a shared --spool DIR.
    public var spoolName: String {
        String(description.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" })
    }
}
