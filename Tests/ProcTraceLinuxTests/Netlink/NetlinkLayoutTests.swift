import CProcTraceNetlink
import ProcTraceCore
import Testing

/// The platform-free parser's offsets against the C compiler's view of the kernel headers.
@Suite struct NetlinkLayoutTests {
    @Test func swiftMirrorMatchesTheKernelHeaders() {
        typealias L = ProcConnectorLayout
        let c = ptnl_layout()
        let event = L.NetlinkHeader.byteCount + L.ConnectorMessage.byteCount
        #expect(c.nlmsg_header_length == L.NetlinkHeader.byteCount)
        #expect(c.nlmsg_alignment == L.NetlinkHeader.alignment)
        #expect(c.cn_msg_header_length == L.ConnectorMessage.byteCount)
        #expect([c.cn_msg_idx, c.cn_msg_val, c.cn_msg_len]
            == [L.ConnectorMessage.index, L.ConnectorMessage.value, L.ConnectorMessage.dataLength])
        #expect([c.proc_event_what, c.proc_event_cpu, c.proc_event_timestamp, c.proc_event_data, c.proc_event_size]
            == [L.ProcEvent.what, L.ProcEvent.cpu, L.ProcEvent.timestamp, L.ProcEvent.data, L.ProcEvent.byteCount])
        #expect([c.task_pid, c.task_tgid] == [L.ProcEvent.taskPid, L.ProcEvent.taskTgid])
        #expect([c.fork_parent_pid, c.fork_parent_tgid, c.fork_child_pid, c.fork_child_tgid]
            == [L.Fork.parentPid, L.Fork.parentTgid, L.Fork.childPid, L.Fork.childTgid])
        #expect([c.id_ruid, c.id_euid] == [L.ID.real, L.ID.effective])
        #expect([c.ptrace_tracer_pid, c.ptrace_tracer_tgid] == [L.Ptrace.tracerPid, L.Ptrace.tracerTgid])
        #expect(c.comm_comm == L.Comm.comm)
        #expect([c.coredump_parent_pid, c.coredump_parent_tgid] == [L.Coredump.parentPid, L.Coredump.parentTgid])
        #expect([c.exit_code, c.exit_signal, c.exit_parent_pid, c.exit_parent_tgid]
            == [L.Exit.exitCode, L.Exit.exitSignal, L.Exit.parentPid, L.Exit.parentTgid])
        #expect(c.proc_event_data + c.exit_size == L.Exit.end)
        #expect(event == 36)
    }

    @Test func subscriptionMessage() {
        var buffer = [UInt8](repeating: 0xaa, count: 64)
        let length = buffer.withUnsafeMutableBytes {
            ptnl_build_mcast_message($0.baseAddress, $0.count, UInt32(PTNL_PROC_CN_MCAST_LISTEN), 0)
        }
        #expect(length == 16 + 20 + 4)
        let words = buffer.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self),        // nlmsg_len
             raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self),        // nlmsg_type
             raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self),       // cn_msg.id.idx
             raw.loadUnaligned(fromByteOffset: 20, as: UInt32.self),       // cn_msg.id.val
             raw.loadUnaligned(fromByteOffset: 32, as: UInt16.self),       // cn_msg.len
             raw.loadUnaligned(fromByteOffset: 36, as: UInt32.self))       // the operation
        }
        #expect(words.0 == 40 && words.1 == ProcConnectorLayout.NetlinkMessageType.done)
        #expect(words.2 == 1 && words.3 == 1 && words.4 == 4 && words.5 == 1)
        #expect(buffer.withUnsafeMutableBytes { ptnl_build_mcast_message($0.baseAddress, 39, 1, 0) } == 0)
    }
}
