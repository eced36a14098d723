/// The container id a cgroup path names: runtimes put the container's 64-hex
/// id in the last part of its cgroup's path, in one of a few spellings —
///
/// - docker (cgroupfs driver): `/docker/ID`; (systemd driver): `/system.slice/docker-ID.scope`
/// - containerd / Kubernetes: `/kubepods/burstable/podUID/ID`, `…/cri-containerd-ID.scope`
/// - cri-o: `…/crio-ID.scope` (and `crio-conmon-ID.scope` for its monitor)
/// - podman: `/machine.slice/libpod-ID.scope`, `…/libpod-conmon-ID.scope`, `/libpod_parent/libpod-ID`
///
/// so the id is taken as the last path component that is, or ends with, 64
/// hex digits after a `-` (before an optional `.scope`). Hex of any other
/// length (a pod UID, a systemd unit) is not an id.
public enum ContainerID {
    public static let length = 64

    /// The id (lowercase hex bytes), or nil when the path names no container.
    public static func find(in path: [UInt8]) -> [UInt8]? {
        path.withUnsafeBytes { find(in: $0) }
    }

    public static func find(in path: UnsafeRawBufferPointer) -> [UInt8]? {
        var end = path.count
        while end > 0 {
            var start = end
            while start > 0 && path[start - 1] != UInt8(ascii: "/") { start -= 1 }
            if let id = id(in: UnsafeRawBufferPointer(rebasing: path[start..<end])) { return id }
            end = start - 1
        }
        return nil
    }

    /// The id a path component holds: `ID`, `PREFIX-ID` or either with `.scope` after it.
    private static func id(in component: UnsafeRawBufferPointer) -> [UInt8]? {
        var end = component.count
        let scope: StaticString = ".scope"
        if end >= scope.utf8CodeUnitCount,
           UnsafeRawBufferPointer(rebasing: component[(end - scope.utf8CodeUnitCount)...]).elementsEqual(
               UnsafeRawBufferPointer(start: scope.utf8Start, count: scope.utf8CodeUnitCount)) {
            end -= scope.utf8CodeUnitCount
        }
        guard end >= length else { return nil }
        let start = end - length
        // The id is the whole component or follows a separator, so a longer hex run is not cut into one.
        if start > 0 && component[start - 1] != UInt8(ascii: "-") { return nil }
        var id = [UInt8](repeating: 0, count: length)
        for index in 0..<length {
            let byte = component[start + index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): id[index] = byte
            case UInt8(ascii: "A")...UInt8(ascii: "F"): id[index] = byte | 0x20
            default: return nil
            }
        }
        return id
    }
}
