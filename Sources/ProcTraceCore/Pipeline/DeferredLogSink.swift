/// A sink that writes on a thread of its own (an output converted to ECS or
/// OCSF): `write` only hands the batch over, so what the file could not take
/// (a full disk) is known after `write` returned. The Recorder settles with
/// it before the `stop` record, which then still counts exactly what never
/// reached the file.
public protocol DeferredLogSink: LogSink {
    /// Waits, bounded, until what was handed over is written; returns the
    /// records that could not be written since the last call, and how many
    /// of them the Recorder handed over after its last rotation.
    func settle() -> (lost: UInt64, sinceRotation: UInt64)
}
