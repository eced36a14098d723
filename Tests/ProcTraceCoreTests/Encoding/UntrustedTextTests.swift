import ProcTraceCore
import Testing

struct UntrustedTextTests {
    /// Messages of our own quote untrusted text already escaped; a second pass must not double it.
    @Test func aLineAlreadySafeIsLeftAsItIs() {
        let once = "cannot open " + UntrustedText.escaped("/tmp/a\u{1b}[2J\\b")
        #expect(UntrustedText.terminalSafe(once) == once)
        #expect(UntrustedText.terminalSafe("plain é ✓") == "plain é ✓")
    }

    /// A raw value quoted by ArgumentParser is escaped whole, backslashes included (lossless).
    @Test func aLineWithRawControlsIsEscapedWhole() {
        let raw = "The value '\u{1b}]52;c;aGk=\u{07}\\' is invalid"
        #expect(UntrustedText.terminalSafe(raw) == #"The value '\e]52;c;aGk=\x07\\' is invalid"#)
        #expect(UntrustedText.terminalSafe("bidi \u{202E}x") == #"bidi \u{202e}x"#)
    }
}
