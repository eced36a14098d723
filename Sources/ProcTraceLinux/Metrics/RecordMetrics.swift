import ProcTraceCore
import Synchronization

/// What `--metrics-listen` serves. The record loop publishes once per batch
/// (one lock); the server renders from the last published values, so a slow
/// scrape never holds the record path.
public final class RecordMetrics: Sendable {
    public struct Values: Sendable {
        public var recordsByEvent = [UInt64](repeating: 0, count: EventKind.allCases.count)
        public var lost: UInt64 = 0
        public var unwritten: UInt64 = 0
        public var ringBufferSize: UInt64?
        public var ringBufferUsed: UInt64?
        public var processes: UInt64 = 0
        public var outputs: [(name: String, counters: OutputCounters)] = []
        /// exe hashes given up, by reason (nil: the backend hashes nothing).
        public var hashSkipped: HashSkipCounts?
        public var hashWorkersAbandoned: UInt64 = 0
        /// Records waiting, in order, for an enrichment.
        public var recordsHeld: UInt64 = 0
        /// The exec reviews (rules, user names); nil: none.
        public var reviews: Reviews?
    }

    /// What `record --rules` found and skipped.
    public struct Reviews: Sendable {
        /// Each rule's id and level, in the recorder's order.
        public var rules: [(id: String, level: String)]
        public var alertsByRule: [UInt64]
        public var skipped: ReviewSkipCounts
        public var queued: UInt64
        public var awaiting: UInt64

        public init(rules: [(id: String, level: String)], alertsByRule: [UInt64], skipped: ReviewSkipCounts,
                    queued: UInt64, awaiting: UInt64) {
            self.rules = rules
            self.alertsByRule = alertsByRule
            self.skipped = skipped
            self.queued = queued
            self.awaiting = awaiting
        }
    }

    public let version: String
    public let backend: String
    private let values = Mutex(Values())

    public init(version: String, backend: String) {
        self.version = version
        self.backend = backend
    }

    public func publish(_ update: (inout Values) -> Void) {
        values.withLock { update(&$0) }
    }

    public var current: Values { values.withLock { $0 } }

    /// The Prometheus text exposition format (version 0.0.4).
    public func render() -> String {
        let values = current
        var text = ""
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        family("proctrace_records_total", "counter", "Records written, by event.")
        for kind in EventKind.allCases {
            text += "proctrace_records_total{event=\"\(kind.name)\"} \(values.recordsByEvent[Int(kind.rawValue)])\n"
        }
        family("proctrace_lost_records_total", "counter", "Records the kernel could not deliver (lost records).")
        text += "proctrace_lost_records_total \(values.lost)\n"
        family("proctrace_unwritten_records_total", "counter", "Records captured but written to no output.")
        text += "proctrace_unwritten_records_total \(values.unwritten)\n"
        if let size = values.ringBufferSize {
            family("proctrace_ring_buffer_size_bytes", "gauge", "Size of the kernel ring buffer.")
            text += "proctrace_ring_buffer_size_bytes \(size)\n"
        }
        if let used = values.ringBufferUsed {
            family("proctrace_ring_buffer_used_bytes", "gauge", "Bytes in the ring buffer not yet consumed.")
            text += "proctrace_ring_buffer_used_bytes \(used)\n"
        }
        if let skipped = values.hashSkipped {
            family("proctrace_hash_skipped_total", "counter", "exe_sha256 given up so capture never waits, by reason.")
            for reason in HashSkipReason.allCases {
                text += "proctrace_hash_skipped_total{reason=\"\(reason.name)\"} \(skipped[reason])\n"
            }
            family("proctrace_hash_workers_abandoned_total", "counter", "Hashing and /proc reading threads left in a read that never returned.")
            text += "proctrace_hash_workers_abandoned_total \(values.hashWorkersAbandoned)\n"
        }
        family("proctrace_records_held", "gauge", "Records waiting, in order, for their exe hash.")
        text += "proctrace_records_held \(values.recordsHeld)\n"
        if let reviews = values.reviews { text += Self.render(reviews) }
        family("proctrace_processes", "gauge", "Processes in the live tree.")
        text += "proctrace_processes \(values.processes)\n"
        family("proctrace_build_info", "gauge", "Version and backend of the running recorder.")
        text += "proctrace_build_info{version=\"\(Self.label(version))\",backend=\"\(Self.label(backend))\"} 1\n"
        let outputFamilies: [(String, String, KeyPath<OutputCounters, UInt64>)] = [
            ("proctrace_output_sent_total", "Records the output's receiver has.", \.sent),
            ("proctrace_output_spooled_total", "Records queued or spooled for the output.", \.spooled),
            ("proctrace_output_dropped_total", "Records the output lost (queue or spool full, write error).", \.dropped),
        ]
        for (name, help, path) in outputFamilies where !values.outputs.isEmpty {
            family(name, "counter", help)
            for output in values.outputs {
                text += "\(name){output=\"\(Self.label(output.name))\"} \(output.counters[keyPath: path])\n"
            }
        }
        return text
    }

    private static func render(_ reviews: Reviews) -> String {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        if !reviews.rules.isEmpty {
            family("proctrace_alerts_total", "counter", "alert records written, by Sigma rule (id and level).")
            for (index, rule) in reviews.rules.enumerated() where index < reviews.alertsByRule.count {
                text += "proctrace_alerts_total{rule=\"\(Self.label(rule.id))\",level=\"\(Self.label(rule.level))\"} "
                    + "\(reviews.alertsByRule[index])\n"
            }
            var byLevel: [String: UInt64] = [:]
            for (index, rule) in reviews.rules.enumerated() where index < reviews.alertsByRule.count {
                byLevel[rule.level, default: 0] += reviews.alertsByRule[index]
            }
            family("proctrace_alerts_by_level_total", "counter", "alert records written, by the rule's level.")
            for (level, count) in byLevel.sorted(by: { $0.key < $1.key }) {
                text += "proctrace_alerts_by_level_total{level=\"\(Self.label(level))\"} \(count)\n"
            }
        }
        family("proctrace_reviews_skipped_total", "counter", "execs written unreviewed (rules not evaluated, uid not named), by reason.")
        for reason in ReviewSkipReason.allCases {
            text += "proctrace_reviews_skipped_total{reason=\"\(reason.name)\"} \(reviews.skipped[reason])\n"
        }
        family("proctrace_reviews_queued", "gauge", "execs queued for review.")
        text += "proctrace_reviews_queued \(reviews.queued)\n"
        family("proctrace_records_awaiting_review", "gauge", "Records waiting, in order, behind an exec under review.")
        text += "proctrace_records_awaiting_review \(reviews.awaiting)\n"
        return text
    }

    /// A label value: backslash, double quote and newline escaped (file names are anyone's).
    static func label(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
