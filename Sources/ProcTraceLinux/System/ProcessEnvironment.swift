#if canImport(Glibc)
import Glibc
#endif

public enum ProcessEnvironment {
    /// The variable is set to something other than "" or "0".
    public static func isSet(_ name: String) -> Bool {
        guard let value = getenv(name) else { return false }
        let text = String(cString: value)
        return !text.isEmpty && text != "0"
    }
}
