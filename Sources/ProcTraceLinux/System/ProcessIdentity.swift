#if canImport(Glibc)
import Glibc
#endif

public enum ProcessIdentity {
    public static var current: pid_t { getpid() }
    public static var isRoot: Bool { geteuid() == 0 }
}
