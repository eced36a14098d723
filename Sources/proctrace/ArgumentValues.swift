import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

// Typed option values: each parsed once, by ArgumentParser; a command's
// validate() checks only its limits, and run() uses the value as it is.
// (Sizes: `@Option var ringBufferSize: ByteSize = .mebibytes(16)`.)

extension ByteSize: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

extension FileMode: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

extension Backend: ExpressibleByArgument {}
