import ProcTraceLinux

#if canImport(Glibc)
import Glibc
#endif

/// The command's one-line messages.
enum StandardError {
    /// A line as it is (its own "proctrace: " prefix, if any).
    static func line(_ message: String) {
        HostInfo.standardError(message)
    }

    static func warn(_ message: String) {
        let line = "warning: " + message + "\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }
}
