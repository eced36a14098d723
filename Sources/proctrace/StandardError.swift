#if canImport(Glibc)
import Glibc
#endif

enum StandardError {
    static func warn(_ message: String) {
        let line = "warning: " + message + "\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }
}
