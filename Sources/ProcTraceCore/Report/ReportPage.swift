/// Writes the report as one self-contained HTML page: style, script and data
/// inline, and a Content-Security-Policy that lets only this page's own
/// script and style run and forbids every request (docs/report.md, "Safety").
///
/// Log strings never pass through HTML: the data is gzip-compressed JSON and
/// columns in base64 (A–Z a–z 0–9 + / =) inside two non-executed `<script type=…>`
/// elements, so no byte of it can end that element, and the page's script
/// puts every string into the document with `textContent`.
public enum ReportPage {
    /// gzip-compresses each list of parts (their bytes one after another) as one stream, the
    /// data's main part and its records; it may compress them at once, on two threads (a
    /// platform's zlib and threads: Core has none of its own).
    public typealias Gzip = (_ main: [UnsafeRawBufferPointer], _ records: [UnsafeRawBufferPointer]) throws
        -> ([UInt8], [UInt8])

    /// The page for `data`. `nonce` marks the page's own script and style for the CSP.
    public static func html(_ data: ReportData, gzip: Gzip, nonce: String = randomNonce()) throws -> ByteBuffer {
        let (compressedMain, compressedRecords) = try compressedParts(data, gzip: gzip)
        let out = ByteBuffer(capacity: (compressedMain.count + compressedRecords.count) * 4 / 3 + 256 * 1024)
        out.append(contentsOf: Array(#"<!DOCTYPE html>\#n<html lang="en"><head><meta charset="utf-8">\#n"#.utf8))
        out.append(contentsOf: Array(#"<meta http-equiv="Content-Security-Policy" content="\#(contentSecurityPolicy(nonce: nonce))">\#n"#.utf8))
        out.append(contentsOf: Array(#"<meta name="viewport" content="width=device-width, initial-scale=1">\#n"#.utf8))
        out.append(contentsOf: Array("<title>proctrace report</title>\n<style nonce=\"\(nonce)\">\n".utf8))
        out.append(contentsOf: style)
        out.append(contentsOf: Array("</style></head>\n<body>\n".utf8))
        out.append(contentsOf: markup)
        // The schema's names (ReportSchema): data, never run; no value of it holds a "<".
        out.append(contentsOf: Array(#"<script type="application/json" id="report-schema">"#.utf8))
        out.append(contentsOf: ReportSchema.json())
        out.append(contentsOf: Array("</script>\n".utf8))
        out.append(contentsOf: Array(#"<script type="application/x-proctrace-report+gzip;base64" id="report-data">"#.utf8))
        Base64.append(compressedMain, to: out)
        out.append(contentsOf: Array("</script>\n".utf8))
        out.append(contentsOf: Array(#"<script type="application/x-proctrace-report+gzip;base64" id="report-records">"#.utf8))
        Base64.append(compressedRecords, to: out)
        out.append(contentsOf: Array("</script>\n<script nonce=\"\(nonce)\">\n".utf8))
        out.append(contentsOf: script)
        out.append(contentsOf: Array("</script>\n</body></html>\n".utf8))
        return out
    }

    /// The data, encoded then compressed, its two parts at once (a million records' deflate
    /// is most of what is left once the recording is read); the uncompressed buffers are gone
    /// when it returns (tens of MB, not to be held beside the page).
    private static func compressedParts(_ data: ReportData, gzip: Gzip) throws -> (main: [UInt8], records: [UInt8]) {
        let (main, records) = ReportDataEncoder.encode(data)
        return try withExtendedLifetime((main, records)) { try gzip(main.map(\.bytes), records.map(\.bytes)) }
    }

    // The page's own parts, real files in Report/Page embedded at build time (SwiftPM's embedInCode:
    // byte arrays in the binary; no Foundation, no bundle). The style sheet and the script lose
    // their file's last newline: their element closes on the same line.

    /// The style sheet (Page/report.css).
    static let style = withoutLastNewline(PackageResources.report_css)

    /// The fixed skeleton (Page/body.html); the script fills it from the data.
    static let markup = PackageResources.body_html

    /// The script (Page/report.js): decodes the data, draws the visible rows of the
    /// timeline, and answers clicks, find, filters, zoom and pan. Every string
    /// from the log reaches the document through `textContent` only.
    static let script = withoutLastNewline(PackageResources.report_js)

    private static func withoutLastNewline(_ bytes: [UInt8]) -> [UInt8] {
        bytes.last == UInt8(ascii: "\n") ? Array(bytes.dropLast()) : bytes
    }

    /// Only the page's own (nonce-marked) script and style; no request of any kind.
    public static func contentSecurityPolicy(nonce: String) -> String {
        "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; img-src 'none'; "
            + "font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; "
            + "worker-src 'none'; manifest-src 'none'; base-uri 'none'; form-action 'none'"
    }

    /// 128 random bits as hex: a log string, written before the report was made, cannot know it.
    public static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        return String((0..<32).map { _ in hex[Int(generator.next() % 16)] })
    }
}
