import CProcTraceStandardC

/// One readable line per record, for people at a terminal:
///
///     20:12:46.123 exec            4243    4242 ls               ls -l '/tmp/a b'
///     20:12:46.124 exit            4243    4242 ls               exited 42 after 1.0ms
///
/// Everything that came from the traced system (names, arguments, host) is
/// terminal-escaped, so a hostile process name cannot move the cursor or
/// recolour the screen; colour, when asked for, is only ever ours.
public struct HumanFormatter {
    public enum Clock: Sendable {
        case local
        case utc
    }

    public var clock: Clock
    public var useColor: Bool

    public init(clock: Clock = .local, useColor: Bool = false) {
        self.clock = clock
        self.useColor = useColor
    }

    public func format(_ event: Event) -> String {
        var line = time(event.time)
        line += " "
        line += painted(padded(event.kind.name, 12), colour(for: event))
        if event.kind.isProcessRecord {
            line += " " + padded(String(event.pid), 7, right: true) + " " + padded(String(event.ppid), 7, right: true)
            line += " " + padded(event.comm.withBytes { TerminalEscaper.escape($0) }, 16)
        }
        let facts = self.facts(event)
        if !facts.isEmpty { line += " " + facts }
        while line.last == " " { line.removeLast() }
        return line
    }

    /// What the record says beyond who and when.
    public func facts(_ event: Event) -> String {
        var parts: [String] = []
        switch event.kind {
        case .start:
            if let stream = event.stream {
                parts.append("proctrace \(escaped(stream.proctraceVersion)) recording on \(escaped(stream.host))")
                parts.append("(\(escaped(stream.backend)), kernel \(escaped(stream.kernel)), schema \(stream.version), "
                             + "recorder pid \(stream.recorderPid), \(RFC3339.format(nanoseconds: event.time)))")
            }
        case .stop:
            parts.append("\(event.eventCount) records, \(event.lostCount ?? 0) lost, \(event.unwrittenCount) unwritten")
            if let skipped = event.notice?.hashSkipped, !skipped.isEmpty {
                parts.append("(hashes skipped: \(skipped.map(escaped).joined(separator: ", ")))")
            }
            if let skipped = event.notice?.reviewSkipped, !skipped.isEmpty {
                parts.append("(execs not reviewed: \(skipped.map(escaped).joined(separator: ", ")))")
            }
        case .warning:
            parts.append(escaped(event.notice?.message ?? event.notice?.code ?? "(no message)"))
        case .alert:
            if let alert = event.alert {
                parts.append("\(alert.level.isEmpty ? "-" : escaped(alert.level)) \(escaped(alert.title)) (rule \(escaped(alert.ruleID)))")
                parts.append("pid \(event.pid), exec seq " + (alert.execSeq.map { "\($0)" } ?? "(not written)"))
            }
        case .user:
            if let user = event.user {
                parts.append("uid \(user.uid) is " + (user.name.map { TerminalEscaper.escape($0) } ?? "(no name)"))
            }
        case .seal:
            if let seal = event.seal {
                parts.append("\(seal.lines) lines sealed (\(seal.trigger.rawValue), key \(escaped(seal.keyID)) interval \(seal.interval))")
            }
        case .lost:
            parts.append(event.lostCount.map { "\($0) records lost" } ?? "records lost (how many is unknown)")
        case .resync:
            parts.append("\(event.processCount) processes re-read from /proc")
        case .exists:
            if event.state != 0 { parts.append("state \(TerminalEscaper.escape([event.state]))") }
            if event.state == UInt8(ascii: "Z"), let status = event.exitStatus { parts.append("zombie, \(status.summary)") }
            if event.isKernelThread { parts.append("kernel thread") }
            parts.append(contentsOf: commandLine(event))
            parts.append(contentsOf: contextFacts(event))
        case .exec:
            parts.append(contentsOf: commandLine(event))
            if let oldPid = event.oldPid { parts.append("(exec'd by thread \(oldPid))") }
            parts.append(contentsOf: contextFacts(event))
        case .exit:
            if let status = event.exitStatus { parts.append(status.summary) }
            if let duration = event.durationNs { parts.append("after \(DurationText.format(nanoseconds: duration))") }
        case .reap:
            if let reaper = event.reaper { parts.append("reaped by \(reaper)") }
            if let reason = event.reapReason { parts.append("(\(reason.name))") }
        case .threadStart, .threadExit:
            parts.append("thread \(event.tid)")
        case .cred:
            if let c = event.credentials {
                parts.append("uid=\(c.uid) euid=\(c.euid) suid=\(c.suid) gid=\(c.gid) egid=\(c.egid) sgid=\(c.sgid)")
            }
        case .session:
            if let session = event.session { parts.append("sid=\(session.sid) pgid=\(session.pgid)") }
        case .reparent:
            parts.append("reparented \(event.oldPpid) → \(event.ppid)")
        case .execFailed:
            let name = event.errorNumber.flatMap(ErrnoName.of).map { "\($0)" } ?? "error"
            parts.append("failed: \(name) (\(event.errorNumber ?? 0))")
            parts.append(contentsOf: commandLine(event))
        case .fork:
            parts.append(contentsOf: contextFacts(event))
        case .comm:
            break
        }
        if !event.unavailable.isEmpty {
            let names = UnavailableFields.named.filter { event.unavailable.contains($0.0) }.map(\.1)
            parts.append("[unavailable: \(names.joined(separator: ", "))]")
        }
        return parts.joined(separator: " ")
    }

    /// argv shell-quoted, then the file run when argv[0] does not name it.
    private func commandLine(_ event: Event) -> [String] {
        var parts: [String] = []
        var first: [UInt8]?
        event.argv?.forEach { argument in
            if first == nil { first = Array(argument) }
            parts.append(TerminalEscaper.shellQuoted(argument))
        }
        if event.argvTruncated { parts.append("…(truncated)") }
        if let filename = event.filename, filename != first {
            parts.append("(\(TerminalEscaper.escape(filename)))")
        }
        return parts
    }

    /// Who and where, as far as known: `exe=` only when it is not the file named, `container=` its short id.
    private func contextFacts(_ event: Event) -> [String] {
        guard let context = event.context else { return [] }
        var parts: [String] = []
        if event.kind != .fork { // a fork record carries only who and which cgroup
            if let exe = context.exe, exe != event.filename { parts.append("exe=" + TerminalEscaper.shellQuoted(exe)) }
            if let cwd = context.cwd { parts.append("cwd=" + TerminalEscaper.shellQuoted(cwd)) }
            if let tty = context.tty { parts.append("tty=" + TerminalEscaper.escape(tty)) }
        }
        if let auid = context.auid { parts.append("auid=\(auid)") }
        if let id = context.containerID { parts.append("container=" + TerminalEscaper.escape(Array(id.prefix(12)))) }
        return parts
    }

    private func escaped(_ text: String) -> String {
        TerminalEscaper.escape(Array(text.utf8))
    }

    /// "HH:MM:SS.mmm", local or UTC.
    public func time(_ nanoseconds: Int64) -> String {
        var seconds = nanoseconds / 1_000_000_000
        var milliseconds = nanoseconds % 1_000_000_000 / 1_000_000
        if milliseconds < 0 {
            milliseconds += 1000
            seconds -= 1
        }
        var secondOfDay: Int64
        switch clock {
        case .utc:
            secondOfDay = seconds % 86400
        case .local:
            let local = proctrace_local_second_of_day(seconds)
            secondOfDay = local >= 0 ? Int64(local) : seconds % 86400
        }
        if secondOfDay < 0 { secondOfDay += 86400 }
        return two(secondOfDay / 3600) + ":" + two(secondOfDay / 60 % 60) + ":" + two(secondOfDay % 60) + "."
            + String(String(milliseconds + 1000).dropFirst())
    }

    private func two(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : String(value)
    }

    private func padded(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return text }
        let padding = String(repeating: " ", count: width - count)
        return right ? padding + text : text + padding
    }

    // MARK: Colour

    private enum Colour: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33;1", blue = "34", magenta = "35", cyan = "36"
    }

    private func colour(for event: Event) -> Colour? {
        switch event.kind {
        case .start, .stop, .resync: .bold
        case .seal: .dim
        case .lost, .warning, .alert: .yellow
        case .user: .dim
        case .fork: .blue
        case .exec: .green
        case .execFailed: .red
        case .exit: event.exitStatus.map { $0.exitCode == 0 } == false ? .red : nil
        case .reap, .threadStart, .threadExit: .dim
        case .reparent: .magenta
        case .exists, .comm, .cred, .session: .cyan
        }
    }

    private func painted(_ text: String, _ colour: Colour?) -> String {
        guard useColor, let colour else { return text }
        return "\u{1b}[\(colour.rawValue)m" + text + "\u{1b}[0m"
    }
}
