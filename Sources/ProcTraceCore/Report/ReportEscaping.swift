/// Log strings as the log writes them (docs/events.md): the page shows a
/// name or an argument exactly as `grep` finds it in the log.
public enum ReportEscaping {
    /// The inside of the JSON string the log writes for `bytes` (`esc\u001b[31m`, `bad\udcff`).
    public static func logText<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let array = Array(bytes)
        let out = ByteBuffer(capacity: array.count + 16)
        array.withUnsafeBytes { JSONStringEscaper.appendEscaped($0, to: out) }
        return out.array
    }

    /// The argv array as the log writes it: `["/bin/sh","-c","exit 0"]`.
    public static func logText(_ argv: ArgumentVector) -> [UInt8] {
        let out = ByteBuffer(capacity: argv.bytes.count + 16)
        out.append(UInt8(ascii: "["))
        var first = true
        argv.forEach { argument in
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            Array(argument).withUnsafeBytes { JSONStringEscaper.appendQuoted($0, to: out) }
        }
        out.append(UInt8(ascii: "]"))
        return out.array
    }
}
