/// Process trees as one JSON array of root processes, each nested with its
/// `children`. Field names follow the log schema (docs/events.md); strings
/// are escaped as the logs escape them, so the output is terminal-safe too.
public struct TreeJSONRenderer {
    /// Include `filename`, `argv` and `argv_truncated`.
    public var showArguments: Bool
    /// A user's name; nil leaves `user` out.
    public var userName: (UInt32) -> String?

    public init(showArguments: Bool = false, userName: @escaping (UInt32) -> String? = { _ in nil }) {
        self.showArguments = showArguments
        self.userName = userName
    }

    private enum Step {
        case open(ProcessNode, first: Bool)
        case close
    }

    public func render(_ roots: [ProcessNode]) -> [UInt8] {
        let out = ByteBuffer(capacity: 64 * 1024)
        out.append(UInt8(ascii: "["))
        // Depth first without recursion: fork chains can be thousands deep.
        var steps: [Step] = roots.enumerated().reversed().map { .open($0.element, first: $0.offset == 0) }
        while let step = steps.popLast() {
            switch step {
            case .open(let node, let first):
                if !first { out.append(UInt8(ascii: ",")) }
                appendFields(of: node, to: out)
                out.append(TreeKey.children)
                steps.append(.close)
                let children = node.children.sorted { $0.pid < $1.pid }
                for (index, child) in children.enumerated().reversed() {
                    steps.append(.open(child, first: index == 0))
                }
            case .close:
                out.append("]}")
            }
        }
        out.append("]\n")
        return out.array
    }

    /// `,"key":` for a field of the log schema (LogField spells each key once).
    private func key(_ field: LogField, to out: ByteBuffer) {
        out.append(",\"")
        out.append(field.key)
        out.append("\":")
    }

    private func appendFields(of node: ProcessNode, to out: ByteBuffer) {
        out.append("{\"")
        out.append(LogField.pid.key)
        out.append("\":")
        out.appendDecimal(node.pid)
        key(.ppid, to: out)
        out.appendDecimal(node.ppid)
        key(.comm, to: out)
        node.comm.withBytes { JSONStringEscaper.appendQuoted($0, to: out) }
        key(.state, to: out)
        if let state = node.knownState {
            out.append(UInt8(ascii: "\""))
            out.append(state)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append("null")
        }
        key(.startTime, to: out)
        out.appendDecimal(node.startTime)
        if let credentials = node.credentials {
            key(.uid, to: out)
            out.appendDecimal(UInt64(credentials.uid))
            key(.euid, to: out)
            out.appendDecimal(UInt64(credentials.euid))
            if let name = userName(credentials.euid) {
                out.append(TreeKey.user)
                JSONStringEscaper.appendQuoted(name, to: out)
            }
        }
        if let exitTime = node.exitTime {
            out.append(TreeKey.exitTime)
            out.append(UInt8(ascii: "\""))
            RFC3339.append(nanoseconds: exitTime, to: out)
            out.append(UInt8(ascii: "\""))
            key(.exitCode, to: out)
            if let code = node.exitStatus?.exitCode { out.appendDecimal(Int64(code)) } else { out.append("null") }
            key(.signal, to: out)
            if let signal = node.exitStatus?.signal { out.appendDecimal(Int64(signal)) } else { out.append("null") }
            key(.coreDumped, to: out)
            out.append(node.exitStatus?.coreDumped == true ? "true" : "false")
        }
        if node.isKernelThread {
            key(.kernelThread, to: out)
            out.append("true")
        }
        guard showArguments else { return }
        key(.filename, to: out)
        if let filename = node.filename { JSONStringEscaper.appendQuoted(filename, to: out) } else { out.append("null") }
        key(.argv, to: out)
        JSONStringEscaper.appendArray(node.argv, to: out)
        key(.argvTruncated, to: out)
        out.append(node.argvTruncated ? "true" : "false")
    }
}

/// The tree's own keys, which no log record has: the user's name, when the
/// process exited, and the nesting (`tree --json`).
private enum TreeKey {
    static let user: StaticString = ",\"user\":"
    static let exitTime: StaticString = ",\"exit_time\":"
    static let children: StaticString = ",\"children\":["
}
