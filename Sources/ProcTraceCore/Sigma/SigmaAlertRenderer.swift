/// An alert as `hunt` prints it: a few readable lines, or one JSON object
/// (strings escaped losslessly, as the log's are: docs/events.md).
public enum SigmaAlertRenderer {
    /// One JSON object and a newline.
    public static func appendJSON(_ alert: SigmaAlert, to out: ByteBuffer) {
        let rule = alert.rule
        out.append("{\"rule\":{\"id\":")
        quoted(rule.id, out)
        out.append(",\"title\":")
        quoted(rule.title, out)
        out.append(",\"level\":")
        quoted(rule.level, out)
        out.append(",\"tags\":")
        strings(rule.tags, out)
        out.append(",\"references\":")
        strings(rule.references, out)
        out.append(",\"file\":")
        quoted(rule.file, out)
        out.append("},\"seq\":")
        out.appendDecimal(alert.seq)
        out.append(",\"time\":\"")
        RFC3339.append(nanoseconds: alert.time, to: out)
        out.append("\",\"pid\":")
        out.appendDecimal(alert.pid)
        out.append(",\"ppid\":")
        out.appendDecimal(alert.ppid)
        out.append(",\"start_time\":")
        out.appendDecimal(alert.startTime)
        out.append(",\"image\":")
        bytes(alert.image, out)
        out.append(",\"command_line\":")
        bytes(alert.commandLine, out)
        out.append(",\"ancestry\":[")
        for (index, ancestor) in alert.ancestry.enumerated() {
            if index > 0 { out.append(",") }
            out.append("{\"pid\":")
            out.appendDecimal(ancestor.pid)
            out.append(",\"start_time\":")
            out.appendDecimal(ancestor.startTime)
            out.append(",\"image\":")
            bytes(ancestor.image, out)
            out.append(",\"argv\":")
            if let argv = ancestor.argv {
                out.append("[")
                var first = true
                argv.forEach { argument in
                    if !first { out.append(",") }
                    first = false
                    argument.withUnsafeBytes { JSONStringEscaper.appendQuoted($0, to: out) }
                }
                out.append("]")
            } else {
                out.append("null")
            }
            out.append(",\"in_recording\":")
            out.append(ancestor.known ? "true" : "false")
            out.append("}")
        }
        out.append("]}\n")
    }

    /// The alert for a person: the rule, the process, each ancestor on its own line (terminal-safe).
    public static func text(_ alert: SigmaAlert) -> String {
        let rule = alert.rule
        var text = "\(rule.level.isEmpty ? "-" : TerminalEscaper.escape(Array(rule.level.utf8)))  "
            + TerminalEscaper.escape(Array(rule.title.utf8))
        if !rule.id.isEmpty { text += "  (\(TerminalEscaper.escape(Array(rule.id.utf8))))" }
        text += "\n  seq \(alert.seq)  \(RFC3339.format(nanoseconds: alert.time))\n"
        text += "  pid \(alert.pid)  \(program(alert.image, alert.commandLine))\n"
        for ancestor in alert.ancestry {
            if ancestor.known {
                text += "    ← \(ancestor.pid)  \(shortened(program(ancestor.image, ancestor.argv.map(commandLine))))\n"
            } else {
                text += "    ← \(ancestor.pid)  (not in the recording)\n"
            }
        }
        if !rule.tags.isEmpty { text += "  tags: " + rule.tags.map { TerminalEscaper.escape(Array($0.utf8)) }.joined(separator: " ") + "\n" }
        for reference in rule.references { text += "  see: " + TerminalEscaper.escape(Array(reference.utf8)) + "\n" }
        return text
    }

    private static func program(_ image: [UInt8]?, _ commandLine: [UInt8]?) -> String {
        let imageText = image.map { TerminalEscaper.escape($0) } ?? "(image unknown)"
        guard let commandLine else { return imageText + ": (arguments unknown)" }
        return imageText + ": " + TerminalEscaper.escape(commandLine)
    }

    /// An ancestor's line cut at 160 characters (`--json` has all of it).
    private static func shortened(_ line: String) -> String {
        line.count <= 160 ? line : String(line.prefix(159)) + "…"
    }

    private static func commandLine(_ argv: ArgumentVector) -> [UInt8] {
        SigmaExecFields.commandLine(argv)
    }

    private static func quoted(_ string: String, _ out: ByteBuffer) {
        var copy = string
        copy.withUTF8 { JSONStringEscaper.appendQuoted(UnsafeRawBufferPointer($0), to: out) }
    }

    private static func strings(_ values: [String], _ out: ByteBuffer) {
        out.append("[")
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(",") }
            quoted(value, out)
        }
        out.append("]")
    }

    private static func bytes(_ value: [UInt8]?, _ out: ByteBuffer) {
        guard let value else { return out.append("null") }
        value.withUnsafeBytes { JSONStringEscaper.appendQuoted($0, to: out) }
    }
}
