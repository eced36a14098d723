/// Many children of one parent running the same program (a build's compiler
/// calls, a loop of /bin/true) drawn as one row that expands on demand:
/// `×5,003 /bin/true, all exit 0`.
public struct FanOutGroup: Equatable {
    /// The row the members are nested under; nil for roots.
    public var parent: Int?
    /// Row indices, in the order they began.
    public var members: [Int]
    /// What they ran (a program file, or a name), as the log escapes it.
    public var program: [UInt8]
    /// How they ended, most common first: ("exit 0", 4990), ("exit 1", 13).
    public var outcomes: [(text: String, count: Int)]

    public static func == (lhs: FanOutGroup, rhs: FanOutGroup) -> Bool {
        lhs.parent == rhs.parent && lhs.members == rhs.members && lhs.program == rhs.program
            && lhs.outcomes.map(\.text) == rhs.outcomes.map(\.text) && lhs.outcomes.map(\.count) == rhs.outcomes.map(\.count)
    }

    /// Children of one parent with the same program, when there are at least
    /// `minimumSize` of them (fewer are drawn one by one). The rows' files are in `strings`.
    static func find(in processes: [ReportProcess], strings: StringTable, minimumSize: Int = 10) -> [FanOutGroup] {
        var groups: [FanOutGroup] = []
        func group(_ siblings: [Int], parent: Int?) {
            guard siblings.count >= minimumSize else { return }
            var byProgram: [[UInt8]: [Int]] = [:]
            var order: [[UInt8]] = []
            for child in siblings {
                let program = program(of: processes[child], strings: strings)
                if byProgram[program] == nil { order.append(program) }
                byProgram[program, default: []].append(child)
            }
            for program in order {
                let members = byProgram[program]!
                guard members.count >= minimumSize else { continue }
                groups.append(FanOutGroup(parent: parent, members: members, program: program,
                                          outcomes: outcomeCounts(members.map { processes[$0].exitStatus })))
            }
        }
        group(processes.indices.filter { processes[$0].parent == nil }, parent: nil)
        for (index, process) in processes.enumerated() { group(process.children, parent: index) }
        return groups
    }

    /// Its file, else its name (kernel threads, processes that never exec'd), escaped as the log
    /// has it (escaping is one to one: equal programs, equal texts).
    private static func program(of process: ReportProcess, strings: StringTable) -> [UInt8] {
        process.file >= 0 ? strings.values[Int(process.file)] : ReportEscaping.logText(process.comm.bytes)
    }

    private static func outcomeCounts(_ statuses: [WaitStatus?]) -> [(text: String, count: Int)] {
        var counts: [String: Int] = [:]
        for status in statuses { counts[ReportProcess.Outcome.shortText(status), default: 0] += 1 }
        return counts.map { (text: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.text < $1.text }
    }

    /// `×5,003 /bin/true, all exit 0`, or `×120 /bin/sh: 100 exit 0, 19 exit 1, 1 SIGKILL`;
    /// the program as the log escapes it.
    public var label: String {
        let program = String(decoding: program, as: UTF8.self)
        let head = "×" + Self.grouped(members.count) + " " + program
        if outcomes.count == 1 { return head + ", all " + outcomes[0].text }
        let shown = outcomes.prefix(3).map { Self.grouped($0.count) + " " + $0.text }
        return head + ": " + shown.joined(separator: ", ") + (outcomes.count > 3 ? ", …" : "")
    }

    /// 5003 → "5,003".
    static func grouped(_ value: Int) -> String {
        var digits = Array(String(value))
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: index)
            index -= 3
        }
        return String(digits)
    }
}
