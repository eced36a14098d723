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
                out.append(",\"children\":[")
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

    private func appendFields(of node: ProcessNode, to out: ByteBuffer) {
        out.append("{\"pid\":")
        out.appendDecimal(node.pid)
        out.append(",\"ppid\":")
        out.appendDecimal(node.ppid)
        out.append(",\"comm\":")
        node.comm.withBytes { JSONStringEscaper.appendQuoted($0, to: out) }
        out.append(",\"state\":")
        if let state = node.knownState {
            out.append(UInt8(ascii: "\""))
            out.append(state)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append("null")
        }
        out.append(",\"start_time\":")
        out.appendDecimal(node.startTime)
        if let credentials = node.credentials {
            out.append(",\"uid\":")
            out.appendDecimal(UInt64(credentials.uid))
            out.append(",\"euid\":")
            out.appendDecimal(UInt64(credentials.euid))
            if let name = userName(credentials.euid) {
                out.append(",\"user\":")
                JSONStringEscaper.appendQuoted(name, to: out)
            }
        }
        if let exitTime = node.exitTime {
            out.append(",\"exit_time\":\"")
            RFC3339.append(nanoseconds: exitTime, to: out)
            out.append(UInt8(ascii: "\""))
            out.append(",\"exit_code\":")
            if let code = node.exitStatus?.exitCode { out.appendDecimal(Int64(code)) } else { out.append("null") }
            out.append(",\"signal\":")
            if let signal = node.exitStatus?.signal { out.appendDecimal(Int64(signal)) } else { out.append("null") }
            out.append(",\"core_dumped\":")
            out.append(node.exitStatus?.coreDumped == true ? "true" : "false")
        }
        if node.isKernelThread { out.append(",\"kernel_thread\":true") }
        guard showArguments else { return }
        out.append(",\"filename\":")
        if let filename = node.filename { JSONStringEscaper.appendQuoted(filename, to: out) } else { out.append("null") }
        out.append(",\"argv\":")
        JSONStringEscaper.appendArray(node.argv, to: out)
        out.append(",\"argv_truncated\":")
        out.append(node.argvTruncated ? "true" : "false")
    }
}
