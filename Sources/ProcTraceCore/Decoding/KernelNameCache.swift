/// What the kernel decoder has named before: every fork and exec of a
/// cgroup carries the same path, and a terminal the same device number, so
/// each is turned into bytes (and searched for a container id) once and the
/// records share the one array. A cgroup v2 id is its kernfs node's, never
/// reused within a boot, and v2 cgroups cannot be renamed.
final class KernelNameCache {
    struct Cgroup {
        var path: [UInt8]
        var containerID: [UInt8]?
    }

    /// Bounds the memory a host that creates cgroups without end can take.
    static let limit = 4096

    private var cgroups: [UInt64: Cgroup] = [:]
    private var terminals: [UInt32: [UInt8]] = [:]

    func cgroup(id: UInt64, path: UnsafeRawBufferPointer) -> Cgroup {
        if let known = cgroups[id], known.path.elementsEqual(path) { return known }
        let bytes = Array(path)
        let cgroup = Cgroup(path: bytes, containerID: ContainerID.find(in: bytes))
        if cgroups.count >= KernelNameCache.limit { cgroups.removeAll(keepingCapacity: true) }
        cgroups[id] = cgroup
        return cgroup
    }

    /// The name of the terminal whose kernel dev_t this is; nil for 0 (none).
    func terminal(kernelDevice: UInt32) -> [UInt8]? {
        if kernelDevice == 0 { return nil }
        if let known = terminals[kernelDevice] { return known }
        guard let name = TerminalName.name(of: DeviceNumber(kernelDev: kernelDevice)) else { return nil }
        if terminals.count >= KernelNameCache.limit { terminals.removeAll(keepingCapacity: true) }
        terminals[kernelDevice] = name
        return name
    }
}
