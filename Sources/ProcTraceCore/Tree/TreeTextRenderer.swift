/// Draws process trees the way pstree does, one process per line:
///
///     1 systemd (root)
///     ├─ 612 sshd
///     │  └─ 4410 bash (alice): -bash
///     └─ 980 make <zombie 12s>
///
/// A user name is shown where the effective user differs from the parent's.
/// Every byte that came from a process (comm, arguments) is escaped for the
/// terminal, so a hostile name cannot move the cursor or forge a line.
public struct TreeTextRenderer {
    /// Append each process's arguments, shell-quoted.
    public var showArguments: Bool
    /// The moment the tree shows (ns since epoch): zombies' ages are counted to it.
    public var now: Int64
    /// A user's name; nil shows the number.
    public var userName: (UInt32) -> String?

    public init(now: Int64, showArguments: Bool = false, userName: @escaping (UInt32) -> String? = { _ in nil }) {
        self.now = now
        self.showArguments = showArguments
        self.userName = userName
    }

    /// Deeper processes are drawn at this depth's indentation, with their
    /// depth written out ("[depth 20000]"): each line stays short, so a fork
    /// chain thousands deep prints in memory proportional to its length.
    public static let maximumIndentation = 64

    public func render(_ roots: [ProcessNode]) -> String {
        var out = ""
        // Depth first without recursion: fork chains can be thousands deep.
        var stack: [(node: ProcessNode, prefix: String, connector: String, depth: Int)] =
            roots.reversed().map { ($0, "", "", 0) }
        while let (node, prefix, connector, depth) = stack.popLast() {
            out += prefix + connector
            if depth > TreeTextRenderer.maximumIndentation { out += "[depth \(depth)] " }
            appendLabel(of: node, isTop: connector.isEmpty, to: &out)
            out += "\n"
            let childPrefix = depth >= TreeTextRenderer.maximumIndentation
                ? prefix : prefix + (connector == "├─ " ? "│  " : connector.isEmpty ? "" : "   ")
            let children = node.children.sorted { $0.pid < $1.pid }
            for (index, child) in children.enumerated().reversed() {
                stack.append((child, childPrefix, index == children.count - 1 ? "└─ " : "├─ ", depth + 1))
            }
        }
        return out
    }

    private func appendLabel(of node: ProcessNode, isTop: Bool, to out: inout String) {
        out += String(node.pid)
        out += " "
        node.comm.withBytes { TerminalEscaper.escape($0, into: &out) }
        if let euid = node.credentials?.euid, isTop || node.parent?.credentials?.euid != euid {
            out += " (" + TerminalEscaper.escape(Array((userName(euid) ?? String(euid)).utf8)) + ")"
        }
        if let exitTime = node.exitTime {
            out += " <zombie " + ZombieAge.text(nanoseconds: TimeArithmetic.elapsed(from: exitTime, to: now)) + ">"
        }
        if showArguments, let argv = node.argv, !argv.bytes.isEmpty {
            out += ":"
            argv.forEach { out += " " + TerminalEscaper.shellQuoted($0) }
            if node.argvTruncated { out += " …" }
        }
        if showArguments, let context = node.context { appendContext(context, of: node, isTop: isTop, to: &out) }
    }

    /// With the arguments: where it runs, and who logged in, where that differs from its parent (as the user is shown).
    private func appendContext(_ context: ProcessContext, of node: ProcessNode, isTop: Bool, to out: inout String) {
        let parent = isTop ? nil : node.parent?.context
        var facts: [String] = []
        if let cwd = context.cwd, cwd != parent?.cwd { facts.append("cwd=" + TerminalEscaper.shellQuoted(cwd)) }
        if let tty = context.tty, tty != parent?.tty { facts.append("tty=" + TerminalEscaper.escape(tty)) }
        if let auid = context.auid, auid != parent?.auid { facts.append("auid=\(auid)") }
        if let id = context.containerID, id != parent?.containerID {
            facts.append("container=" + TerminalEscaper.escape(Array(id.prefix(12))))
        }
        if !facts.isEmpty { out += " [" + facts.joined(separator: " ") + "]" }
    }
}

/// How long a process has been a zombie: "12s", then "3m07s", "2h05m".
enum ZombieAge {
    static func text(nanoseconds: Int64) -> String {
        text(nanoseconds: UInt64(max(nanoseconds, 0)))
    }

    static func text(nanoseconds age: UInt64) -> String {
        if age < 60_000_000_000 { return "\(age / 1_000_000_000)s" }
        return DurationText.format(nanoseconds: age)
    }
}
