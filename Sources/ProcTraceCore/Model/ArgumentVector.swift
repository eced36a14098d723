/// A program's arguments exactly as the kernel stores them: each one followed
/// by a NUL. One allocation however many arguments there are.
///
/// When capture was cut short the last argument may lack its NUL; it is then
/// a partial argument and the event's `argvTruncated` is set.
public struct ArgumentVector: Hashable, Sendable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ arguments: [[UInt8]]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(arguments.reduce(0) { $0 + $1.count + 1 })
        for argument in arguments {
            bytes.append(contentsOf: argument)
            bytes.append(0)
        }
        self.bytes = bytes
    }

    public init(strings: [String]) {
        self.init(strings.map { Array($0.utf8) })
    }

    /// Calls `body` once per argument, in order, with its bytes.
    public func forEach(_ body: (ArraySlice<UInt8>) throws -> Void) rethrows {
        var start = bytes.startIndex
        var index = start
        while index < bytes.endIndex {
            if bytes[index] == 0 {
                try body(bytes[start..<index])
                start = index + 1
            }
            index += 1
        }
        if start < bytes.endIndex {
            try body(bytes[start..<bytes.endIndex])
        }
    }

    public var arguments: [[UInt8]] {
        var result: [[UInt8]] = []
        forEach { result.append(Array($0)) }
        return result
    }

    public var count: Int {
        var count = 0
        forEach { _ in count += 1 }
        return count
    }
}
