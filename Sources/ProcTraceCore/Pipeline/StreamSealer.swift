/// Seals the stream as the Recorder writes it (docs/sealing.md). The
/// Recorder hands it every line it buffers for writing, in order, and writes
/// the `seal` records it asks for; the keys and the MAC are the sealer's
/// (ProcTraceLinux's RecordSealer, with libcrypto).
public protocol StreamSealer: AnyObject {
    /// Takes whole lines, in order, as they go out (a line lost to a write
    /// error was still taken: the next seal then tells the log is not whole).
    func absorb(_ lines: UnsafeRawBufferPointer)
    /// The wall-clock time (nanoseconds since the epoch) when an interval of
    /// the key has ended and a seal is due; nil otherwise. Called once per poll.
    func intervalEnded() -> Int64?
    /// The seal to write now, for `trigger`, covering the `lines` lines taken
    /// since the last one; its `mac` is a placeholder until `authenticate`.
    /// Also the wall-clock time to write it with.
    func nextSeal(trigger: SealInfo.Trigger, lines: UInt64) -> (seal: SealInfo, time: Int64)
    /// The MAC of the seal `nextSeal` gave, whose line up to its MAC value is
    /// `prefix`; moves the chain on (and the key, when the seal ends an interval).
    func authenticate(prefix: UnsafeRawBufferPointer) -> SHA256Digest
}
