import Foundation
import Testing

/// Integration tests trace real processes and need root. In CI they must run
/// (and fail if BPF cannot load); elsewhere, without root, they are skipped
/// with this reason.
enum Privilege {
    static var isRoot: Bool { geteuid() == 0 }
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    static var canTrace: Bool { isRoot || inCI }
    static let skipReason: Comment = "needs root to load BPF programs and open the proc connector (run `sudo make test`); CI=true forces it"
}
