#if canImport(Glibc)
import Glibc
#endif
import CProcTraceSystem

/// Gives up every capability but `keep`, for good: bounding set (when
/// CAP_SETPCAP allows), ambient, inheritable, permitted and effective sets,
/// then no_new_privs. Capabilities belong to threads: call it while the
/// process has one thread (record does; it starts none).
public enum CapabilityDrop {
    public struct Failure: Error, CustomStringConvertible {
        public let step: String
        public let errno: Int32

        public var description: String {
            "dropping capabilities failed at \(step): \(String(cString: strerror(errno)))"
        }
    }

    public static func limit(to keep: CapabilitySet) throws {
        var step: Int32 = 0
        let result = pt_capabilities_limit(keep.bits, &step)
        guard result == 0 else { throw Failure(step: stepName(step), errno: -result) }
    }

    private static func stepName(_ step: Int32) -> String {
        switch Int(step) {
        case PT_CAP_STEP_CAPGET: "capget"
        case PT_CAP_STEP_BOUNDING: "prctl(PR_CAPBSET_DROP)"
        case PT_CAP_STEP_AMBIENT: "prctl(PR_CAP_AMBIENT_CLEAR_ALL)"
        case PT_CAP_STEP_CAPSET: "capset"
        case PT_CAP_STEP_NO_NEW_PRIVS: "prctl(PR_SET_NO_NEW_PRIVS)"
        default: "step \(step)"
        }
    }
}
