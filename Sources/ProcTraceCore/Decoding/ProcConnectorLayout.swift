/// Offsets and sizes of a netlink proc-connector datagram (struct nlmsghdr,
/// struct cn_msg, struct proc_event in <linux/netlink.h>, <linux/connector.h>,
/// <linux/cn_proc.h>), mirrored for the platform-free parser.
/// ProcTraceLinuxTests checks them against the C compiler's layout.
public enum ProcConnectorLayout {
    /// struct nlmsghdr.
    public enum NetlinkHeader {
        public static let length = 0
        public static let type = 4
        public static let byteCount = 16
        /// NLMSG_ALIGNTO: each message in a datagram starts on this boundary.
        public static let alignment = 4
    }

    /// nlmsg_type values (NLMSG_NOOP …). The connector sends its messages as NLMSG_DONE.
    public enum NetlinkMessageType {
        public static let noop: UInt16 = 1
        public static let error: UInt16 = 2
        public static let done: UInt16 = 3
        public static let overrun: UInt16 = 4
    }

    /// struct cn_msg, relative to the end of the netlink header.
    public enum ConnectorMessage {
        public static let index = 0
        public static let value = 4
        public static let dataLength = 16
        public static let byteCount = 20
        /// CN_IDX_PROC / CN_VAL_PROC: the process-events connector.
        public static let processEventsIndex: UInt32 = 1
        public static let processEventsValue: UInt32 = 1
    }

    /// struct proc_event, relative to the start of cn_msg's data.
    public enum ProcEvent {
        public static let what = 0
        public static let cpu = 4
        public static let timestamp = 8
        /// event_data: every event but the acknowledgement starts with the task's pid and tgid.
        public static let data = 16
        public static let taskPid = 16
        public static let taskTgid = 20
        public static let byteCount = 40
    }

    /// `enum what`.
    public enum What {
        public static let none: UInt32 = 0
        public static let fork: UInt32 = 0x0000_0001
        public static let exec: UInt32 = 0x0000_0002
        public static let uid: UInt32 = 0x0000_0004
        public static let gid: UInt32 = 0x0000_0040
        public static let sid: UInt32 = 0x0000_0080
        public static let ptrace: UInt32 = 0x0000_0100
        public static let comm: UInt32 = 0x0000_0200
        public static let coredump: UInt32 = 0x4000_0000
        public static let exit: UInt32 = 0x8000_0000
    }

    /// Offsets of each event's fields, from the start of struct proc_event.
    public enum Fork {
        public static let parentPid = 16
        public static let parentTgid = 20
        public static let childPid = 24
        public static let childTgid = 28
        public static let end = 32
    }

    public enum Exec {
        public static let end = 24
    }

    /// uid and gid events: real and effective ID.
    public enum ID {
        public static let real = 24
        public static let effective = 28
        public static let end = 32
    }

    public enum Sid {
        public static let end = 24
    }

    public enum Ptrace {
        public static let tracerPid = 24
        public static let tracerTgid = 28
        public static let end = 32
    }

    public enum Comm {
        public static let comm = 24
        public static let length = 16
        public static let end = 40
    }

    public enum Coredump {
        public static let parentPid = 24
        public static let parentTgid = 28
        public static let end = 32
    }

    public enum Exit {
        public static let exitCode = 24
        public static let exitSignal = 28
        public static let parentPid = 32
        public static let parentTgid = 36
        public static let end = 40
    }

    /// The acknowledgement's error number (event `none`).
    public enum Acknowledgement {
        public static let error = 16
        public static let end = 20
    }
}
