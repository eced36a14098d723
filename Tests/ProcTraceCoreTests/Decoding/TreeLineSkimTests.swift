import PropertyBased
import ProcTraceCore
import ProcTraceTestSupport
import Testing

/// `JSONLineDecoder(skimmingTreeLines: true)` (hunt): fork, exit and reap
/// lines as the encoder writes them give the tree's fields exactly as the
/// full decode does; every other line is decoded in full, errors and all.
@Suite struct TreeLineSkimTests {
    static let skimming = JSONLineDecoder(skimmingTreeLines: true)

    static func treeFields(_ event: Event) -> String {
        "\(event.kind) \(event.seq) \(event.time) \(event.pid) \(event.ppid) \(event.comm.bytes) "
            + "\(event.unavailable.contains(.comm)) \(event.startTime)"
    }

    @Test func anyEncodedLineGivesTheTreeFieldsOfTheFullDecode() async {
        await propertyCheck(count: 1000, input: JSONLineDecoderPropertyTests.events) { event in
            let line = EventSamples.line(event)
            do {
                let full = try JSONLineDecoder().decode(line)
                let skimmed = try Self.skimming.decode(line)
                #expect(Self.treeFields(skimmed) == Self.treeFields(full), "\(String(decoding: line, as: UTF8.self))")
                if ![.fork, .exit, .reap].contains(event.kind) {
                    #expect(EventSamples.line(skimmed) == line, "decoded in full")
                }
            } catch {
                Issue.record("\(error) decoding \(String(decoding: line, as: UTF8.self))")
            }
        }
    }

    static let fork = #"{"seq":5,"time":"2023-11-14T22:13:21.000001000Z","event":"fork","pid":3000,"ppid":2001,"comm":"loadgen","start_time":1000001000,"uid":1000,"euid":1000,"suid":1000,"gid":100,"egid":100,"sgid":100,"sid":7,"pgid":8,"auid":1000,"audit_session":3,"cgroup":"/user.slice","container_id":null}"#

    /// The skim reads a fork line as the encoder writes it (no credentials: the tree needs none).
    @Test func aForkLineAsWrittenIsSkimmed() throws {
        let skimmed = try Self.skimming.decode(Self.fork)
        #expect(Self.treeFields(skimmed) == Self.treeFields(try JSONLineDecoder().decode(Self.fork)))
        #expect(skimmed.credentials == nil)
    }

    /// Lines in another shape (an escape in the comm, a blank, keys in another order, a byte that is not
    /// printable ASCII) are decoded in full: the same record as without the skim, credentials and all.
    @Test(arguments: [
        fork.replacingOccurrences(of: #""comm":"loadgen""#, with: #""comm":"load\"gen""#),
        fork.replacingOccurrences(of: #","pid":3000"#, with: #", "pid":3000"#),
        fork.replacingOccurrences(of: #""ppid":2001,"comm":"loadgen""#, with: #""comm":"loadgen","ppid":2001"#),
        fork.replacingOccurrences(of: #""cgroup":"/user.slice""#, with: "\"cgroup\":\"/us\u{e9}r\""),
        // Before start_time too: the skim reads the comm, so it must see it is not plain ASCII.
        fork.replacingOccurrences(of: #""comm":"loadgen""#, with: "\"comm\":\"load\u{e9}\""),
    ])
    func aLineInAnotherShapeIsDecodedInFull(_ line: String) throws {
        let skimmed = try Self.skimming.decode(line)
        let full = try JSONLineDecoder().decode(line)
        #expect(skimmed.credentials != nil)
        #expect(EventSamples.line(skimmed) == EventSamples.line(full))
    }

    /// A line broken in a field the tree reads, or cut short, is refused as without the skim.
    @Test(arguments: [
        fork.replacingOccurrences(of: #""pid":3000"#, with: #""pid":"3000""#),
        fork.replacingOccurrences(of: #""pid":3000"#, with: #""pid":30000000000"#),
        fork.replacingOccurrences(of: #""start_time":1000001000"#, with: #""start_time":-1"#),
        fork.replacingOccurrences(of: #""time":"2023-11-14T22:13:21.000001000Z""#, with: #""time":"2023-11-14T22:13:61.000001000Z""#),
        String(fork.dropLast()),
        String(fork.prefix(120)),
    ])
    func aLineBrokenWhereTheTreeReadsIsRefused(_ line: String) {
        #expect(throws: JSONLineDecodingError.self) { try JSONLineDecoder().decode(line) }
        #expect(throws: JSONLineDecodingError.self) { try Self.skimming.decode(line) }
    }

    /// What the skim does not check (docs/hunting.md, "Speed"): a value after start_time that is no JSON.
    @Test func aValueAfterStartTimeIsNotChecked() throws {
        let line = Self.fork.replacingOccurrences(of: #""uid":1000"#, with: #""uid":x"#)
        #expect(throws: JSONLineDecodingError.self) { try JSONLineDecoder().decode(line) }
        #expect(try Self.skimming.decode(line).pid == 3000)
    }
}
