#if canImport(Glibc)
import Glibc
#endif

public enum HostInfo {
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(cString: buffer)
    }

    public static var kernelRelease: String {
        var info = utsname()
        uname(&info)
        return withUnsafeBytes(of: info.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    public static func standardError(_ line: String) {
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        text.withUTF8 { bytes in
            _ = try? FileIO.writeAll(STDERR_FILENO, UnsafeRawBufferPointer(bytes), name: "standard error")
        }
    }
}
