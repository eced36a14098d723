/// The proc connector refused the subscription and CAP_NET_ADMIN is not in
/// effect: kernels before 6.6 allow only that capability to listen.
public struct NetlinkPermissionError: Error, CustomStringConvertible {
    public let underlying: SystemCallError

    public init(underlying: SystemCallError) {
        self.underlying = underlying
    }

    public var description: String {
        "netlink proc connector unavailable: \(underlying); missing capability CAP_NET_ADMIN (kernels before 6.6 "
            + "need it to listen); run as root, or grant it (AmbientCapabilities=CAP_NET_ADMIN in a systemd unit)"
    }

    /// `error`, named as a missing CAP_NET_ADMIN when it is a refusal and the capability is not in `effective`.
    public static func naming(_ error: Error, effective: CapabilitySet?) -> Error {
        guard let systemCallError = error as? SystemCallError,
              systemCallError.errno == EPERM || systemCallError.errno == EACCES,
              let effective, !effective.contains(.netAdmin)
        else { return error }
        return NetlinkPermissionError(underlying: systemCallError)
    }
}

#if canImport(Glibc)
import Glibc
#endif
