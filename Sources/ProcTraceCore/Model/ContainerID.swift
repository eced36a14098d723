/// The container id a cgroup path names, taken only where a container
/// runtime puts it (the runtime's own scope or cgroup, under the system's
/// hierarchy), never from a name someone else could give a cgroup:
///
/// - docker (cgroupfs driver): `/docker/ID`; (systemd driver): `/system.slice/docker-ID.scope`
/// - containerd: below `/system.slice/containerd.service/`
/// - Kubernetes (containerd, cri-o, docker): below `/kubepods/…` or `/kubepods.slice/…`
///   (`/kubelet.slice/kubelet-kubepods.slice/…`), e.g. `/kubepods/burstable/podUID/ID`,
///   `…/kubepods-besteffort-podUID.slice/cri-containerd-ID.scope`, `…/crio-ID.scope`
/// - cri-o, podman: `/system.slice/crio-ID.scope`, `/machine.slice/libpod-ID.scope`
///   (and `…-conmon-ID.scope` for their monitors), `/libpod_parent/libpod-ID`
///
/// An id is 64 hex digits, alone or after one of the runtimes' prefixes
/// (`docker-`, `cri-containerd-`, `crio-`, `crio-conmon-`, `libpod-`,
/// `libpod-conmon-`), with an optional `.scope`. Where a subtree may hold
/// several (Kubernetes, containerd), the outermost counts: the cgroups below
/// a container's are the container's own to name. Nothing under
/// `/user.slice/` or any other cgroup is taken: every systemd user session
/// is delegated a subtree there whose cgroups its user names at will (so a
/// rootless container has none).
public enum ContainerID {
    public static let length = 64

    /// The id (lowercase hex bytes), or nil when the path names no container.
    public static func find(in path: [UInt8]) -> [UInt8]? {
        path.withUnsafeBytes { find(in: $0) }
    }

    public static func find(in path: UnsafeRawBufferPointer) -> [UInt8]? {
        let parts = components(of: path)
        guard let root = parts.first else { return nil }
        let second = parts.count > 1 ? parts[1] : nil
        switch root {
        case "docker", "machine.slice", "libpod_parent":
            return second.flatMap(id(in:))
        case "system.slice":
            guard let second else { return nil }
            if second.elementsEqual("containerd.service".utf8) { return outermostID(in: parts.dropFirst(2)) }
            return id(in: second)
        case "kubepods", "kubepods.slice":
            return outermostID(in: parts.dropFirst())
        case "kubelet.slice":
            guard let second, second.elementsEqual("kubelet-kubepods.slice".utf8) else { return nil }
            return outermostID(in: parts.dropFirst(2))
        default:
            return nil
        }
    }

    private static func components(of path: UnsafeRawBufferPointer) -> [Slice<UnsafeRawBufferPointer>] {
        path.split(separator: UInt8(ascii: "/"))
    }

    private static func outermostID(in parts: ArraySlice<Slice<UnsafeRawBufferPointer>>) -> [UInt8]? {
        for part in parts {
            if let id = id(in: part) { return id }
        }
        return nil
    }

    private static let prefixes: [[UInt8]] = ["docker-", "cri-containerd-", "crio-conmon-", "crio-", "libpod-conmon-",
                                              "libpod-"].map { Array($0.utf8) }

    /// The id a path component holds: `ID` or a runtime's `PREFIX-ID`, either with `.scope` after it.
    private static func id(in component: Slice<UnsafeRawBufferPointer>) -> [UInt8]? {
        var body = component[...]
        let scope = Array(".scope".utf8)
        if body.count >= scope.count, body.suffix(scope.count).elementsEqual(scope) { body = body.dropLast(scope.count) }
        guard body.count >= length else { return nil }
        let prefix = body.dropLast(length)
        guard prefix.isEmpty || prefixes.contains(where: { prefix.elementsEqual($0) }) else { return nil }
        var id = [UInt8](repeating: 0, count: length)
        for (index, byte) in body.suffix(length).enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): id[index] = byte
            case UInt8(ascii: "A")...UInt8(ascii: "F"): id[index] = byte | 0x20
            default: return nil
            }
        }
        return id
    }
}

extension Slice<UnsafeRawBufferPointer> {
    fileprivate static func == (part: Self, name: StaticString) -> Bool {
        part.elementsEqual(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    fileprivate static func ~= (name: StaticString, part: Self) -> Bool { part == name }
}
