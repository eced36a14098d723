/// One damage done to a log line, as the decoder property tests apply it:
/// cut it short, overwrite, insert or remove a byte, or insert a JSON
/// structural byte (`, : " space \ } {`).
public enum LineMutation {
    public static let structuralBytes: [UInt8] = Array(",:\" \\}{".utf8)

    /// Applies mutation number `kind` (0...4) at `position` (taken modulo the line's length).
    public static func apply(_ kind: Int, to line: inout [UInt8], at position: Int, byte: UInt8) {
        let index = position % line.count
        switch kind {
        case 0: line = Array(line.prefix(index))
        case 1: line[index] = byte
        case 2: line.insert(byte, at: index)
        case 3: line.remove(at: index)
        default: line.insert(structuralBytes[Int(byte) % structuralBytes.count], at: index)
        }
    }
}
