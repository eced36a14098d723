/// Writes events as JSON Lines (schema version 1, docs/events.md) straight
/// into a reusable byte buffer: no Foundation, no intermediate strings.
public struct JSONLineEncoder {
    public init() {}

    /// Appends one line (with its newline) for `event`.
    public func append(_ event: Event, to out: ByteBuffer) {
        out.append("{\"seq\":")
        out.appendDecimal(event.seq)
        out.append(",\"time\":\"")
        RFC3339.append(nanoseconds: event.time, to: out)
        out.append("\",\"event\":\"")
        out.append(event.kind.jsonName)
        out.append(UInt8(ascii: "\""))

        switch event.kind {
        case .start:
            appendStart(event, to: out)
        case .stop:
            out.append(",\"events\":")
            out.appendDecimal(event.eventCount)
            out.append(",\"lost\":")
            out.appendDecimal(event.lostCount ?? 0)
            out.append(",\"unwritten\":")
            out.appendDecimal(event.unwrittenCount)
        case .lost:
            out.append(",\"count\":")
            if let count = event.lostCount { out.appendDecimal(count) } else { out.append("null") }
        case .resync:
            out.append(",\"processes\":")
            out.appendDecimal(event.processCount)
        default:
            appendProcess(event, to: out)
        }
        out.append("}\n")
    }

    private func appendStart(_ event: Event, to out: ByteBuffer) {
        guard let stream = event.stream else { return }
        out.append(",\"format\":\"proctrace\",\"version\":")
        out.appendDecimal(Int64(stream.version))
        out.append(",\"backend\":")
        JSONStringEscaper.appendQuoted(stream.backend, to: out)
        out.append(",\"host\":")
        JSONStringEscaper.appendQuoted(stream.host, to: out)
        out.append(",\"boot_id\":")
        JSONStringEscaper.appendQuoted(stream.bootID, to: out)
        out.append(",\"kernel\":")
        JSONStringEscaper.appendQuoted(stream.kernel, to: out)
        out.append(",\"proctrace_version\":")
        JSONStringEscaper.appendQuoted(stream.proctraceVersion, to: out)
        out.append(",\"recorder_pid\":")
        out.appendDecimal(stream.recorderPid)
        if let choices = stream.bpfChoices {
            out.append(",\"bpf_choices\":[")
            for (index, choice) in choices.enumerated() {
                if index > 0 { out.append(",") }
                JSONStringEscaper.appendQuoted(choice, to: out)
            }
            out.append("]")
        }
    }

    private func appendProcess(_ event: Event, to out: ByteBuffer) {
        out.append(",\"pid\":")
        out.appendDecimal(event.pid)
        if event.kind == .threadStart || event.kind == .threadExit {
            out.append(",\"tid\":")
            out.appendDecimal(event.tid)
        }
        if event.kind == .reparent {
            out.append(",\"old_ppid\":")
            out.appendDecimal(event.oldPpid)
        }
        out.append(",\"ppid\":")
        out.appendDecimal(event.ppid)
        out.append(",\"comm\":")
        if event.unavailable.contains(.comm) {
            out.append("null")  // unknown, never "" or stale
        } else {
            event.comm.withBytes { JSONStringEscaper.appendQuoted($0, to: out) }
        }
        out.append(",\"start_time\":")
        out.appendDecimal(event.startTime)

        switch event.kind {
        case .exec, .exists:
            if event.kind == .exists {
                out.append(",\"state\":")
                if event.state != 0 {
                    out.append(UInt8(ascii: "\""))
                    out.append(event.state)
                    out.append(UInt8(ascii: "\""))
                } else {
                    out.append("null")
                }
            }
            out.append(",\"filename\":")
            if let filename = event.filename {
                JSONStringEscaper.appendQuoted(filename, to: out)
            } else {
                out.append("null")
            }
            out.append(",\"argv\":")
            JSONStringEscaper.appendArray(event.argv, to: out)
            out.append(",\"argv_truncated\":")
            out.append(event.argvTruncated ? "true" : "false")
            if let oldPid = event.oldPid {
                out.append(",\"old_pid\":")
                out.appendDecimal(oldPid)
            }
        case .exit:
            appendExitStatus(event.exitStatus, to: out)
            out.append(",\"duration_ns\":")
            if let duration = event.durationNs { out.appendDecimal(duration) } else { out.append("null") }
        case .reap:
            out.append(",\"reaper\":")
            if let reaper = event.reaper, reaper != 0 { out.appendDecimal(reaper) } else { out.append("null") }
            out.append(",\"reason\":\"")
            out.append(contentsOf: (event.reapReason ?? .freed).name.utf8)
            out.append(UInt8(ascii: "\""))
        default:
            break
        }

        if let credentials = event.credentials {
            out.append(",\"uid\":")
            out.appendDecimal(UInt64(credentials.uid))
            out.append(",\"euid\":")
            out.appendDecimal(UInt64(credentials.euid))
            out.append(",\"suid\":")
            out.appendDecimal(UInt64(credentials.suid))
            out.append(",\"gid\":")
            out.appendDecimal(UInt64(credentials.gid))
            out.append(",\"egid\":")
            out.appendDecimal(UInt64(credentials.egid))
            out.append(",\"sgid\":")
            out.appendDecimal(UInt64(credentials.sgid))
        }
        if let session = event.session {
            out.append(",\"sid\":")
            out.appendDecimal(session.sid)
            out.append(",\"pgid\":")
            out.appendDecimal(session.pgid)
        }
        if event.kind == .exists, let status = event.exitStatus {
            appendExitStatus(status, to: out)
        }
        if event.isKernelThread {
            out.append(",\"kernel_thread\":true")
        }
        if !event.unavailable.isEmpty {
            out.append(",\"unavailable\":[")
            var first = true
            for (field, name) in UnavailableFields.named where event.unavailable.contains(field) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: name.utf8)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    private func appendExitStatus(_ status: WaitStatus?, to out: ByteBuffer) {
        guard let status else {
            out.append(",\"exit_code\":null,\"signal\":null,\"core_dumped\":false")
            return
        }
        out.append(",\"exit_code\":")
        if let code = status.exitCode { out.appendDecimal(Int64(code)) } else { out.append("null") }
        out.append(",\"signal\":")
        if let signal = status.signal { out.appendDecimal(Int64(signal)) } else { out.append("null") }
        out.append(",\"core_dumped\":")
        out.append(status.coreDumped ? "true" : "false")
    }
}
