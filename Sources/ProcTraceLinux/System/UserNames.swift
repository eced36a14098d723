#if canImport(Glibc)
import Glibc
#endif

/// User names from the passwd database (getpwuid_r), looked up once per user.
/// Not thread-safe: one per thread.
public final class UserNames {
    private var cache: [UInt32: [UInt8]?] = [:]

    public init() {}

    /// The name of `uid`, or nil when the database has none.
    public func name(of uid: UInt32) -> String? {
        bytes(of: uid).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The name of `uid` as the database has it (any bytes), or nil when it has none.
    public func bytes(of uid: UInt32) -> [UInt8]? {
        if let known = cache[uid] { return known }
        let name = lookUp(uid)
        cache[uid] = name
        return name
    }

    private func lookUp(_ uid: UInt32) -> [UInt8]? {
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
            return Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
        }
    }
}
