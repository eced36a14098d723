#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ProcTraceCore

/// A failed system call: which call, on what, and errno — printed the way an
/// admin reads it ("open(/var/log/x): Permission denied"), the subject
/// escaped: it is often a path someone else chose.
public struct SystemCallError: Error, Equatable, CustomStringConvertible {
    public let call: String
    public let subject: String?
    public let errno: Int32

    public init(_ call: String, _ subject: String? = nil, errno: Int32) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var message: String { String(cString: strerror(errno)) }

    public var description: String {
        "\(call)\(subject.map { "(\(UntrustedText.escaped($0)))" } ?? ""): \(message)"
    }
}

/// Runs a system call, retrying on EINTR (the one place that does), and
/// turns -1 into a SystemCallError naming the call.
@discardableResult
@inline(__always)
public func retryingSystemCall<T: BinaryInteger>(
    _ call: String, _ subject: String? = nil, _ body: () -> T
) throws -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = Glibc.errno
        if error == EINTR { continue }
        throw SystemCallError(call, subject, errno: error)
    }
}
