/// A write that failed after `written` bytes had gone out.
public struct PartialWriteError: Error, CustomStringConvertible {
    public let written: Int
    public let underlying: SystemCallError

    public var errno: Int32 { underlying.errno }
    public var description: String { underlying.description }
}
