import ArgumentParser
import ProcTraceCore

/// `--from` / `--until`: the part of a recording a read command covers.
struct TimeWindowOptions: ParsableArguments {
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Start at this time (RFC 3339, or seconds since the recording began).", valueName: "time"),
            transform: TimeBound.parse)
    var from: TimeBound?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("Stop after this time (RFC 3339, or seconds since the recording began).",
                               valueName: "time"),
            transform: TimeBound.parse)
    var until: TimeBound?

    var fromBound: TimeBound? { from }
    var untilBound: TimeBound? { until }

    func validate() throws {
        switch (from, until) {
        case let (.sinceStart(start)?, .sinceStart(end)?) where end < start,
             let (.absolute(start)?, .absolute(end)?) where end < start:
            throw ValidationError("--until comes before --from; nothing would be covered.")
        default:
            break
        }
    }
}

extension TimeBound: CustomStringConvertible {
    /// As a user would type it again: an RFC 3339 time or seconds since the start.
    public var description: String {
        switch self {
        case let .absolute(time): return RFC3339.format(nanoseconds: time)
        case let .sinceStart(offset):
            let seconds = offset / 1_000_000_000, fraction = offset % 1_000_000_000
            if fraction == 0 { return "\(seconds)" }
            let digits = String(fraction + 1_000_000_000).dropFirst()
            return "\(seconds)." + String(digits.reversed().drop(while: { $0 == "0" }).reversed())
        }
    }
}
