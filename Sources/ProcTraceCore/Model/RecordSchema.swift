/// Which fields each kind of record has, in the order they are written: the
/// one description of schema version 1. JSONLineEncoder writes records from
/// it, JSONLineDecoder guesses the next key and checks the required ones
/// from it, and a test checks docs/events.md against it.
///
/// To add a field: a case and its key in LogField, its place in the lists
/// below; the compiler then asks for how its value is written
/// (JSONLineEncoder.appendField), read (RecordFields.read) and kept by the
/// report (ReportRecordField.of: nil, or a field the page shows from the
/// schema element, with no edit to its script). Document it
/// in docs/events.md, in the same place of the same list, and give it its row
/// in docs/formats.md: in ECS and OCSF it goes to the extension place unless
/// SchemaMapping gives it a place of its own.
enum RecordSchema {
    /// How sure a reader can be to find a field in a record of its kind.
    enum Presence: UInt8 {
        /// Always written; a record without it is refused.
        case required
        /// Always written (null, false or [] when unknown).
        case always
        /// Written when known, which it usually is (credentials on `fork`).
        case usual
        /// Written only when it applies (`old_pid`, `kernel_thread`, `unavailable`, …).
        case rare
    }

    struct Entry {
        let field: LogField
        let presence: Presence

        /// Whether the field is written, as null or a default, when the event has no value for it.
        var isWrittenWhenUnknown: Bool {
            @inline(__always) get { presence.rawValue <= Presence.always.rawValue }
        }
    }

    /// Who, where and which binary (ProcessContext), as exec and exists records
    /// write them; nspid only when it differs from pid. LogField.contextBits is read from it.
    static let contextFields: [LogField] = [
        .auid, .auditSession, .tty, .cwd, .exe, .exeInode, .exeDevice, .exeSHA256, .cgroup, .containerID,
        .pidns, .mntns, .netns, .userns, .nspid, .exeSHA256Skipped,
    ]
    private static let contextRare: [LogField] = [.nspid, .exeSHA256Skipped]

    /// Every record begins with these, in this order.
    static let header: [LogField] = [.seq, .time, .event]

    /// The fields after the header, in the order they are written.
    static func body(of kind: EventKind) -> [Entry] {
        let process = required(.pid, .ppid, .comm, .startTime)
        let credentials: [LogField] = [.uid, .euid, .suid, .gid, .egid, .sgid]
        let session: [LogField] = [.sid, .pgid]
        let flags = rare(.kernelThread, .unavailable)
        let context = contextFields.map { Entry(field: $0, presence: contextRare.contains($0) ? .rare : .always) }
        let forkContext = always(.auid, .auditSession, .cgroup, .containerID) + rare(.nspid)
        switch kind {
        case .start:
            return always(.format, .version, .backend, .host, .bootID, .kernel, .proctraceVersion, .recorderPid) + rare(.bpfChoices)
                + rare(.hooks, .hooksRefused, .unavailableEvents)
        case .stop:
            return always(.events, .lost, .unwritten) + rare(.hashSkipped, .reviewSkipped)
        case .warning:
            return always(.code, .message)
        case .seal:
            // `mac` last: it authenticates the line before it (docs/sealing.md).
            return always(.keyID, .interval, .nextInterval, .trigger, .lines, .linesSHA256, .prevMAC, .mac)
        case .alert:
            // The exec it matched is the record before it (exec_seq), its process pid and start_time.
            return always(.ruleID, .title, .level, .tags, .execSeq) + required(.pid, .startTime) + always(.ancestry)
        case .user:
            return required(.uid) + always(.name)
        case .lost:
            return always(.count)
        case .resync:
            return always(.processes)
        case .exists:
            return process + always(.state, .filename) + rare(.filenameTruncated) + always(.argv, .argvTruncated)
                + usual(credentials + session) + rare(.exitCode, .signal, .coreDumped)
                + context
                + flags
        case .exec:
            return process + always(.filename) + rare(.filenameTruncated) + always(.argv, .argvTruncated)
                + rare(.oldPid) + usual(credentials + session)
                + context
                + flags
        case .execFailed:
            return process + always(.filename) + rare(.filenameTruncated) + always(.argv, .argvTruncated)
                + always(.errno, .error) + flags
        case .fork:
            return process + usual(credentials + session)
                + forkContext
                + flags
        case .exit:
            return process + always(.exitCode, .signal, .coreDumped, .durationNs) + rare(credentials + session) + flags
        case .reap:
            return process + always(.reaper, .reason) + rare(credentials + session) + flags
        case .cred:
            return process + usual(credentials) + rare(session) + flags
        case .session:
            return process + rare(credentials) + usual(session) + flags
        case .comm:
            return process + rare(credentials + session) + flags
        case .threadStart, .threadExit:
            return required(.pid, .tid, .ppid, .comm, .startTime) + rare(credentials + session) + flags
        case .reparent:
            return required(.pid, .oldPpid, .ppid, .comm, .startTime) + rare(credentials + session) + flags
        }
    }

    private static func required(_ fields: LogField...) -> [Entry] { fields.map { Entry(field: $0, presence: .required) } }
    private static func always(_ fields: LogField...) -> [Entry] { fields.map { Entry(field: $0, presence: .always) } }
    private static func usual(_ fields: [LogField]) -> [Entry] { fields.map { Entry(field: $0, presence: .usual) } }
    private static func rare(_ fields: LogField...) -> [Entry] { rare(fields) }
    private static func rare(_ fields: [LogField]) -> [Entry] { fields.map { Entry(field: $0, presence: .rare) } }

    /// The lists above as flat tables, built once: what the encoder and the
    /// decoder read per record (plain pointers: no reference counting, no
    /// lazy-initialisation check per field).
    static let compiled = Compiled()

    // Unchecked: the tables are written once, in `init`, and only read after (no lock needed).
    struct Compiled: @unchecked Sendable {
        /// The bodies of all kinds, one after another, by EventKind.rawValue.
        let entries: UnsafePointer<Entry>
        /// Where each kind's body starts in `entries`; one more at the end.
        let bodyStart: UnsafePointer<Int>
        /// kind × field → raw value of the field usually written next, or `noField`.
        let successors: UnsafePointer<UInt8>
        /// Per kind, the bits (LogField.bit) of the fields a record must have.
        let required: UnsafePointer<UInt64>
        /// Per 6-bit hash of an event name (see `nameSlot`), the raw value of
        /// the only kind that can have that name, or `noKind`.
        let kindByName: UnsafePointer<UInt8>
        /// Whether two names share a slot: then names are looked up one by one.
        let namesCollide: Bool
        /// `,"key":` of every field in a slot of `keySlot` bytes, by LogField.rawValue.
        let keys: UnsafePointer<UInt8>
        /// The length of each field's `,"key":`.
        let keyLength: UnsafePointer<Int>
        static let keySlot = 24

        static let noField = UInt8.max
        static let noKind = UInt8.max

        fileprivate init() {
            let kinds = EventKind.allCases
            let fieldCount = LogField.allCases.count
            var entries: [Entry] = []
            var bodyStart: [Int] = []
            var successors = [UInt8](repeating: Compiled.noField, count: kinds.count * fieldCount)
            var required = [UInt64](repeating: 0, count: kinds.count)
            for kind in kinds {
                let body = RecordSchema.body(of: kind)
                bodyStart.append(entries.count)
                entries.append(contentsOf: body)
                let row = Int(kind.rawValue) * fieldCount
                let all = RecordSchema.header.map { Entry(field: $0, presence: .required) } + body
                for (index, entry) in all.enumerated() {
                    if entry.presence == .required { required[Int(kind.rawValue)] |= entry.field.bit }
                    // The guess skips the fields seldom there.
                    if let next = all[(index + 1)...].first(where: { $0.presence != .rare }) {
                        successors[row + entry.field.rawValue] = UInt8(next.field.rawValue)
                    }
                }
            }
            bodyStart.append(entries.count)
            var kindByName = [UInt8](repeating: Compiled.noKind, count: 64)
            var collide = false
            for kind in kinds {
                let name = UnsafeRawBufferPointer(start: kind.jsonName.utf8Start, count: kind.jsonName.utf8CodeUnitCount)
                let slot = Compiled.nameSlot(name)
                if kindByName[slot] != Compiled.noKind { collide = true }
                kindByName[slot] = kind.rawValue
            }
            var keys: [UInt8] = []
            var keyLength: [Int] = []
            for field in LogField.allCases {
                // A longer key would not fit its slot: cut, it would be caught by every encoder test.
                let key = Array(",\"\(field.key)\":".utf8).prefix(Compiled.keySlot)
                keyLength.append(key.count)
                keys += key + repeatElement(0, count: Compiled.keySlot - key.count)
            }
            self.keys = Compiled.keep(keys)
            self.keyLength = Compiled.keep(keyLength)
            self.entries = Compiled.keep(entries)
            self.bodyStart = Compiled.keep(bodyStart)
            self.successors = Compiled.keep(successors)
            self.required = Compiled.keep(required)
            self.kindByName = Compiled.keep(kindByName)
            namesCollide = collide
        }

        /// A copy that lives as long as the program (the tables are built once).
        private static func keep<Element>(_ array: [Element]) -> UnsafePointer<Element> {
            let copy = UnsafeMutablePointer<Element>.allocate(capacity: max(array.count, 1))
            copy.initialize(from: array, count: array.count)
            return UnsafePointer(copy)
        }

        /// A name's slot: its length and first and third bytes (event names have at least 4).
        @inline(__always)
        static func nameSlot(_ name: UnsafeRawBufferPointer) -> Int {
            guard name.count >= 3 else { return 0 }
            return (name.count &+ Int(name[0]) &* 7 &+ Int(name[2])) & 63
        }

        @inline(__always)
        func body(of kind: EventKind) -> UnsafeBufferPointer<Entry> {
            let kind = Int(kind.rawValue)
            return UnsafeBufferPointer(start: entries + bodyStart[kind], count: bodyStart[kind + 1] - bodyStart[kind])
        }

        /// Appends `,"key":`, as the encoder writes it before the field's value.
        @inline(__always)
        func appendKey(_ field: LogField, to out: ByteBuffer) {
            out.append(slot: keys + field.rawValue &* Compiled.keySlot, length: keyLength[field.rawValue])
        }

        /// The kind named `name` (the `event` value), if any.
        @inline(__always)
        func kind(named name: UnsafeRawBufferPointer) -> EventKind? {
            if namesCollide {
                return EventKind.allCases.first { Compiled.equal(name, $0.jsonName) }
            }
            let raw = kindByName[Compiled.nameSlot(name)]
            guard raw != Compiled.noKind, let kind = EventKind(rawValue: raw) else { return nil }
            return Compiled.equal(name, kind.jsonName) ? kind : nil
        }

        @inline(__always)
        private static func equal(_ bytes: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
            guard bytes.count == name.utf8CodeUnitCount else { return false }
            let start = name.utf8Start
            for index in 0..<bytes.count where bytes[index] != start[index] { return false }
            return true
        }
    }

    /// A record kind as the decoder sees it once `event` is read: which key
    /// to expect after each. One pointer, so that an optional Kind is one word.
    struct Kind {
        private let successors: UnsafePointer<UInt8>

        init(_ kind: EventKind, in schema: Compiled) {
            successors = schema.successors + Int(kind.rawValue) * LogField.allCases.count
        }

        @inline(__always)
        func usualSuccessor(of field: LogField) -> LogField? {
            let next = successors[field.rawValue]
            return next == Compiled.noField ? nil : LogField(rawValue: Int(next))
        }
    }
}
