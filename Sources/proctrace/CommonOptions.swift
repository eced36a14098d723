import ArgumentParser

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print diagnostic detail (libbpf's own messages, reasons for fallbacks).")
    var verbose = false
}
