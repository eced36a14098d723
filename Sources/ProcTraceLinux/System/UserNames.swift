#if canImport(Glibc)
import Glibc
#endif

/// User names from the passwd database (getpwuid_r), looked up once per user.
public final class UserNames {
    private var cache: [UInt32: String?] = [:]

    public init() {}

    /// The name of `uid`, or nil when the database has none.
    public func name(of uid: UInt32) -> String? {
        if let known = cache[uid] { return known }
        let name = lookUp(uid)
        cache[uid] = name
        return name
    }

    private func lookUp(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        while true {
            let status = getpwuid_r(uid_t(uid), &entry, &buffer, buffer.count, &result)
            if status == ERANGE && buffer.count < 1 << 20 {
                buffer = [CChar](repeating: 0, count: buffer.count * 4)
                continue
            }
            guard status == 0, result != nil, let pointer = entry.pw_name else { return nil }
            return String(cString: pointer)
        }
    }
}
