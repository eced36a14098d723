import ProcTraceCore

/// One network output's way of delivering a record (journald, syslog).
/// Used only from that output's sender thread.
public protocol RecordTransport: AnyObject {
    /// What to call it in messages and metrics ("journal", "syslog+tcp://…").
    var name: String { get }
    /// Connects if not connected; throws while the receiver is not there.
    /// Waits for a handshake at most until `deadline`.
    func connect(until deadline: Deadline) throws
    /// Sends one record. Waits for a slow receiver, but never past `deadline`.
    /// Throws when the connection broke or the wait ran out (the sender
    /// disconnects, and reconnects and resends unless it is stopping).
    func send(_ record: OutgoingRecord, until deadline: Deadline) throws
    /// Bytes sent on this connection so far.
    var bytesSent: UInt64 { get }
    /// Bytes sent on this connection that the receiver has acknowledged; nil
    /// when the connection is known to be broken.
    func acknowledgedBytes() -> UInt64?
    /// How long an acknowledged byte stays uncommitted, in nanoseconds: a
    /// receiver that dies within it may not have processed the data yet.
    var settleNanoseconds: Int64 { get }
    /// Bytes of this connection the receiver is known to have even though
    /// it broke (read before `disconnect`): kept, not sent again.
    var deliveredBeforeBreak: UInt64 { get }
    func disconnect()
}

extension RecordTransport {
    /// A datagram that went out is delivered; TCP bytes not yet settled are not known to be.
    public var deliveredBeforeBreak: UInt64 { settleNanoseconds == 0 ? bytesSent : 0 }
}

/// One record on its way to a receiver.
public struct OutgoingRecord {
    /// Its JSON line, without the newline.
    public var line: UnsafeRawBufferPointer
    /// The event read back from the line (nil if it did not parse).
    public var event: Event?
    /// Records lost to an overflowing queue since the previous delivered one.
    public var droppedBefore: UInt64
    /// The recorder that captured it: the `recorder_pid` of the `start` before
    /// it in the queue; nil when the queue does not say (a spool taken up in
    /// the middle of an earlier run's records).
    public var recorderPid: Int32?

    public init(line: UnsafeRawBufferPointer, event: Event?, droppedBefore: UInt64, recorderPid: Int32?) {
        self.line = line
        self.event = event
        self.droppedBefore = droppedBefore
        self.recorderPid = recorderPid
    }
}

/// Counts of one output, for failure accounting and metrics.
public struct OutputCounters: Sendable, Equatable {
    /// Records the receiver has (committed).
    public var sent: UInt64 = 0
    /// Records that went into the queue or spool.
    public var spooled: UInt64 = 0
    /// Records lost: the sum of the causes below.
    public var dropped: UInt64 = 0
    /// Of `dropped`: the queue or spool was full.
    public var droppedFull: UInt64 = 0
    /// Of `dropped`: the spool could not be written (`spoolError` says why).
    public var droppedSpoolFailed: UInt64 = 0
    /// Of `dropped`: still in memory when the stop's grace ran out (no spool).
    public var droppedAtStop: UInt64 = 0
    /// The last error writing the spool.
    public var spoolError: String?
    /// Of `dropped`: a converted file output's file could not take them (`writeError` says why).
    public var droppedWriteFailed: UInt64 = 0
    /// The last error writing that file.
    public var writeError: String?
    /// Records waiting now.
    public var waiting: UInt64 = 0

    public init() {}
}
