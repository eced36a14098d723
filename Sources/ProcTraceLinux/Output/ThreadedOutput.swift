/// An output with a thread of its own (a network output's sender, a file
/// converted to ECS or OCSF): started after capabilities are dropped (a
/// thread keeps those it was created with), stopped at the end of the
/// recording, and counting for itself what it delivered and dropped.
public protocol ThreadedOutput: AnyObject {
    var name: String { get }
    var snapshot: OutputCounters { get }
    func start()
    /// Ends the thread, within a bounded grace; what is left is counted.
    func stop()
}

extension QueuedSink: ThreadedOutput {}
