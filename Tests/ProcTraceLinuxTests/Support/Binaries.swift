import Foundation

/// The binaries the package builds, next to the test bundle.
enum Binaries {
    static let buildDirectory: URL = {
        if let override = ProcessInfo.processInfo.environment["PROCTRACE_BUILD_DIR"] {
            return URL(fileURLWithPath: override)
        }
        // .build/<triple>/debug/<tests>.xctest → the products sit beside it.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }()

    static func path(_ name: String) -> String {
        let beside = buildDirectory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/\(name)").path
    }

    static var proctrace: String { path("proctrace") }

    /// A test tool `make test` builds from scripts/ into .build/tools (e.g. stallfs).
    static func tool(_ name: String) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/tools/\(name)").path
    }
    static var scenarios: String { path("proctrace-scenarios") }
}
