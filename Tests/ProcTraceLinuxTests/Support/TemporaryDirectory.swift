import CZlib
import Glibc

/// A fresh directory under /tmp, removed with everything in it when released.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/proctrace-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    /// Writes `bytes` to `name` (replacing it) and returns the full path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0, "cannot create \(file)")
        bytes.withUnsafeBytes { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        return file
    }

    func append(_ name: String, _ bytes: [UInt8]) {
        let descriptor = open(path + "/" + name, O_WRONLY | O_APPEND)
        bytes.withUnsafeBytes { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    /// Writes `bytes` gzip-compressed.
    @discardableResult
    func writeGzip(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        let compressed = gzopen(file, "wb")!
        bytes.withUnsafeBytes { _ = gzwrite(compressed, $0.baseAddress, UInt32($0.count)) }
        gzclose(compressed)
        return file
    }

    func read(_ file: String) -> [UInt8] {
        let descriptor = open(file, O_RDONLY)
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while case let count = chunk.withUnsafeMutableBytes({ Glibc.read(descriptor, $0.baseAddress, $0.count) }), count > 0 {
            bytes += chunk[0..<count]
        }
        return bytes
    }

    func rename(_ from: String, to: String) {
        Glibc.rename(path + "/" + from, path + "/" + to)
    }
}
