#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// A file's identity and version: a new inode (a replaced binary) or a
/// rewrite in place (new size, mtime or ctime) is another key. What the hash
/// cache is keyed by, and what an opened file must match before and after it
/// is read.
public struct ExecutableIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var version: FileVersion

    public init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        version = FileVersion(size: Int64(status.st_size),
                              modifiedSeconds: Int64(status.st_mtim.tv_sec), modifiedNanoseconds: Int64(status.st_mtim.tv_nsec),
                              changedSeconds: Int64(status.st_ctim.tv_sec), changedNanoseconds: Int64(status.st_ctim.tv_nsec))
    }

    /// The identity stat would give for the file the kernel described.
    public init(device: DeviceNumber, inode: UInt64, version: FileVersion) {
        self.device = device.userDev
        self.inode = inode
        self.version = version
    }

    /// Same device and inode, whatever the version.
    func isSameFile(device: DeviceNumber, inode: UInt64) -> Bool {
        self.inode == inode && DeviceNumber(userDev: self.device) == device
    }
}
