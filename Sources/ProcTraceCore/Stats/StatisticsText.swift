extension StatisticsReport {
    /// The report for people: sections with aligned columns; names terminal-escaped.
    public func text(clock: HumanFormatter.Clock = .local) -> String {
        let formatter = HumanFormatter(clock: clock)
        var out: [String] = []
        func name(_ comm: Comm?) -> String { comm.map { $0.withBytes { TerminalEscaper.escape($0) } } ?? "?" }
        func section(_ title: String, _ lines: [String], empty: String = "none") {
            out.append("")
            out.append(title)
            out.append(contentsOf: lines.isEmpty ? ["  " + empty] : lines.map { "  " + $0 })
        }

        if let firstTime, let lastTime {
            out.append("\(records) records from \(RFC3339.format(nanoseconds: firstTime)) to "
                       + "\(RFC3339.format(nanoseconds: lastTime)) (\(DurationText.format(nanoseconds: durationNs)))")
        } else {
            out.append("\(records) records")
        }
        if invalidLines > 0 { out.append("\(invalidLines) invalid lines skipped") }
        if isApproximate {
            out.append("Too many distinct names or unreaped processes to track them all: the top lists and zombie counts are approximate.")
        }

        section("Records by event", EventKind.allCases.filter { count($0) > 0 }.map {
            pad($0.name, 13) + pad(String(count($0)), 10, right: true)
        })

        let forks = count(.fork)
        let seconds = Double(durationNs) / 1e9
        var rate = ["\(forks) processes started"
                    + (seconds > 0 ? ", \(decimal(Double(forks) / seconds)) per second on average" : "")]
        let width = Double(forksOverTime.bucketWidth) / 1e9
        rate += forksOverTime.buckets.map {
            formatter.time($0.start) + pad(String($0.count), 10, right: true) + "  " + decimal(Double($0.count) / width) + "/s"
        }
        section("Processes per second (forks, \(DurationText.format(nanoseconds: UInt64(forksOverTime.bucketWidth))) buckets)",
                rate)

        section("Most exec'd programs", mostExecuted.map {
            pad(String($0.count), 8, right: true) + "  " + TerminalEscaper.escape($0.name)
        })
        section("Most exec'd binaries by SHA-256", topBinaries.map {
            pad(String($0.count), 8, right: true) + "  " + String($0.sha256.hex.prefix(16)) + "  " + TerminalEscaper.escape($0.exe)
        })
        let lifetime: (Lifetime) -> String = {
            pad(DurationText.format(nanoseconds: $0.durationNs), 9, right: true) + pad(String($0.pid), 9, right: true) + "  "
                + name($0.comm)
        }
        section("Longest-lived processes (that exited)", longestLived.map(lifetime))
        section("Shortest-lived processes", shortestLived.map(lifetime))
        section("Non-zero exits and signals by program", failures.map {
            pad(String($0.count), 8, right: true) + "  " + pad(name($0.comm), 16) + " " + $0.status
        })
        section("Zombies that lingered longer than \(DurationText.format(nanoseconds: zombieThresholdNs))"
                + (lingeringZombieCount > 0 ? ": \(lingeringZombieCount)" : ""),
                lingeringZombies.map {
                    pad(DurationText.format(nanoseconds: $0.lingeredNs), 9, right: true) + pad(String($0.pid), 9, right: true)
                        + "  " + pad(name($0.comm), 16) + " parent \($0.parentPid) " + name($0.parentComm)
                        + ($0.neverReaped ? " (still unreaped at the end of the log)" : "")
                })
        section("Orphans and who adopted them" + (orphanCount > 0 ? ": \(orphanCount)" : ""),
                adopters.map { "\(pad(String($0.orphans), 8, right: true))  adopted by \($0.pid) \(name($0.comm))" }
                    + firstOrphans.map {
                        "\(formatter.time($0.time)) \($0.pid) \(name($0.comm)): parent \($0.oldParent) → \($0.newParent)"
                    })
        var lost: [String] = []
        if lostRecords > 0 {
            lost.append("\(lostTotal) records lost in \(lostRecords) gap\(lostRecords == 1 ? "" : "s")"
                        + (lostUnknownCount > 0 ? " (\(lostUnknownCount) of unknown size)" : ""))
        }
        if stopLost > 0 || stopUnwritten > 0 {
            lost.append("the recorder reported \(stopLost) lost and \(stopUnwritten) unwritten")
        }
        section("Lost records", lost)
        return out.joined(separator: "\n") + "\n"
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }

    /// One decimal place, without Foundation.
    private func decimal(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        // Int64(_:) traps on a Double of 2⁶³ or more; a rate that large is shown whole.
        guard tenths < 9.2e18 else { return "\(value)" }
        let whole = Int64(tenths)
        return "\(whole / 10).\(whole % 10)"
    }
}
