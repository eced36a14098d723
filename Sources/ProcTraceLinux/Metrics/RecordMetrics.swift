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
