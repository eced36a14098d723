/// A task's 15-character name (`comm`), stored inline: no allocation per event.
///
/// The bytes are whatever the kernel or /proc gave; they need not be UTF-8.
public struct Comm: Hashable, Sendable {
    public static let capacity = 16
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    public init() {}

    /// Takes bytes up to the first NUL, at most 15 of them (the kernel's limit).
    public init(bytes: UnsafeRawBufferPointer) {
        var length = 0
        while length < bytes.count && length < Comm.capacity - 1 && bytes[length] != 0 { length += 1 }
        var storage: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &storage) { target in
            for index in 0..<length { target[index] = bytes[index] }
        }
        low = storage.0
        high = storage.1
    }

    public init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes.prefix(Comm.capacity - 1))
        self = array.withUnsafeBytes { Comm(bytes: $0) }
    }

    public init(_ string: String) {
        self.init(Array(string.utf8))
    }

    public var count: Int {
        withBytes { $0.count }
    }

    public var isEmpty: Bool { low == 0 }

    /// Calls `body` with the name's bytes (no NUL).
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        var storage = (low, high)
        return try withUnsafeBytes(of: &storage) { raw in
            var length = 0
            while length < Comm.capacity && raw[length] != 0 { length += 1 }
            return try body(UnsafeRawBufferPointer(rebasing: raw[0..<length]))
        }
    }

    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// A readable form; invalid UTF-8 is replaced. For display, use the escaping encoders.
    public var description: String { String(decoding: bytes, as: UTF8.self) }
}
