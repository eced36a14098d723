import ArgumentParser
import ProcTraceCore

/// `--from` / `--until`: the part of a recording a read command covers.
struct TimeWindowOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start at this time (RFC 3339, or seconds since the recording began).", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("Stop after this time (RFC 3339, or seconds since the recording began).",
                               valueName: "time"))
    var until: String?

    var fromBound: TimeBound? { from.flatMap(TimeBound.init(parsing:)) }
    var untilBound: TimeBound? { until.flatMap(TimeBound.init(parsing:)) }

    func validate() throws {
        for (name, value) in [("--from", from), ("--until", until)] {
            if let value, TimeBound(parsing: value) == nil {
                throw ValidationError("\(name) \(value): give an RFC 3339 time like 2026-11-23T20:12:46Z, "
                                      + "or seconds since the recording began like 90.")
            }
        }
        switch (fromBound, untilBound) {
        case let (.sinceStart(start)?, .sinceStart(end)?) where end < start,
             let (.absolute(start)?, .absolute(end)?) where end < start:
            throw ValidationError("--until \(until!) comes before --from \(from!).")
        default:
            break
        }
    }
}
