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

    /// A message line as it may reach a terminal: unchanged when nothing in it
    /// needs escaping but backslashes (messages of our own already escape
    /// what they quote, and escaping them again would double the escapes),
    /// else escaped whole (ArgumentParser quotes given values raw).
    public static func terminalSafe(_ line: String) -> String {
        let escaped = TerminalEscaper.escape(line.utf8)
        var backslashesDoubled = ""
        for character in line.unicodeScalars {
            if character == "\\" { backslashesDoubled += "\\\\" } else { backslashesDoubled.unicodeScalars.append(character) }
        }
        return escaped == backslashesDoubled ? line : escaped
    }
}
