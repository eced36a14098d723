import ArgumentParser
import ProcTraceCore
import ProcTraceLinux

// Typed option values: each parsed once, by ArgumentParser; a command's
// validate() checks only its limits, and run() uses the value as it is.
// (Sizes: `@Option var ringBufferSize: ByteSize = .mebibytes(4)`.)

extension ByteSize: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

extension FileMode: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public var defaultValueDescription: String { description }
}

extension Backend: ExpressibleByArgument {}

extension HookMode: ExpressibleByArgument {}

/// One --output value, parsed once: a journal or syslog target, a file (nil),
/// or why it is neither (said by validate(), with the option's name).
struct OutputArgument: ExpressibleByArgument {
    let text: String
    let target: Result<OutputTarget?, Error>

    init(argument: String) {
        text = argument
        target = Result { try OutputTarget.network(argument) }
    }
}
