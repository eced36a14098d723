/// Text from outside (file names, configuration values, log content) as an
/// error message may quote it: escaped like the normal output (TerminalEscaper),
/// so no message can move the cursor, set the clipboard or fake a line.
public enum UntrustedText {
    public static func escaped(_ text: String) -> String {
        TerminalEscaper.escape(text.utf8)
    }

    public static func escaped<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        TerminalEscaper.escape(bytes)
    }
}
