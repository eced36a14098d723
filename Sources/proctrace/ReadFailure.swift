import ProcTraceCore

/// A read command's failure as one line naming the cause and the fix.
struct ReadFailure: Error, CustomStringConvertible {
    let description: String

    init(_ error: LogReadError, skipping: Bool) {
        if error.isSkippable && !skipping {
            description = error.description + " (damaged or not a proctrace log; --skip-invalid passes over such lines)"
        } else {
            description = error.description
        }
    }

    /// Runs `body`, turning a log error into a ReadFailure.
    static func reporting<Result>(skipping: Bool, _ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as LogReadError {
            throw ReadFailure(error, skipping: skipping)
        }
    }
}
