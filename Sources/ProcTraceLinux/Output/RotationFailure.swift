/// A rotation that could not be done: recording goes on in the file named
/// `still` (nil: the file someone moved away from `path`), which grows past
/// --rotate-size until the next try.
public struct RotationFailure: Error, CustomStringConvertible {
    public let path: ExactPath
    public let error: Error
    public let still: ExactPath?

    public var description: String {
        let current = still.map { "\($0)" } ?? "the file moved away from \(path)"
        return "cannot rotate \(path): \(error); recording goes on into \(current), past --rotate-size, and rotation is tried "
            + "again after as many bytes more (let the recording user create and rename files in its directory)"
    }
}
