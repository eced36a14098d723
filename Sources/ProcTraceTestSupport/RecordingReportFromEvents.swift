import ProcTraceCore

extension RecordingReport {
    /// `build` over records handed out one at a time (a list in a test, a reader's `next`):
    /// for tests only (the binary reads through `records:`, and every byte of it counts).
    public static func build(_ selection: ReportSelection, next: () throws -> Event?,
                             observe: ((Event, Int) -> Void)? = nil) throws -> ReportData {
        try build(selection, records: { body in
            while var event = try next() {
                if !(try body(&event)) { return }
            }
        }, observe: observe)
    }
}
