#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

public enum HostInfo {
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public static var kernelRelease: String {
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: info.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// The running kernel's major and minor version (6.1.0-18-amd64 → 6, 1); nil if uname's release does not start so.
    public static var kernelVersion: (major: Int, minor: Int)? {
        let numbers = kernelRelease.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
    }

    /// How the running kernel sets the wait(2) status of a process that no
    /// exit_group or fatal signal ended (the newer rule when uname says nothing).
    public static var groupStatusRule: ProcessExitTracker.GroupStatusRule {
        kernelVersion.map { .linux(major: $0.major, minor: $0.minor) } ?? .lastTask
    }

    public static func standardError(_ line: String, to fd: Int32 = STDERR_FILENO) {
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        text.withUTF8 { bytes in
            _ = try? FileIO.writeAll(fd, UnsafeRawBufferPointer(bytes), name: "standard error")
        }
    }
}
