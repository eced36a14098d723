/// Text that came from outside (a file name, a string read from a log or a
/// configuration file) quoted inside a diagnostic message: escaped exactly as
/// `TerminalEscaper` escapes normal output, so nothing in it can set the
/// clipboard, clear the screen or forge a second line on standard error.
///
///     "\(UntrustedText.escaped(path)): cannot open: No such file or directory"
public enum UntrustedText {
    public static func escaped(_ text: String) -> String {
        escaped(Array(text.utf8))
    }

    public static func escaped<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        TerminalEscaper.escape(bytes)
    }
}
