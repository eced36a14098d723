import Foundation

/// Reads a descriptor to its end on a thread of its own.
final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(fd: Int32) {
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                data.append(contentsOf: buffer[0..<count])
            }
            done.signal()
        }.start()
    }

    func lines() -> [String] {
        done.wait()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
