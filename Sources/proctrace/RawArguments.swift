/// The command line's arguments as the kernel passed them: bytes. Swift's
/// `CommandLine.arguments` (and so ArgumentParser) replaces bytes that are
/// not UTF-8 with U+FFFD, which would open the wrong file; paths are bytes.
enum RawArguments {
    /// The exact bytes of the (last) argument ArgumentParser decoded as `decoded`.
    static func exactBytes(ofArgument decoded: String) -> [UInt8] {
        guard decoded.unicodeScalars.contains("\u{FFFD}") else { return Array(decoded.utf8) }
        return raw.last { String(decoding: $0, as: UTF8.self) == decoded } ?? Array(decoded.utf8)
    }

    private static var raw: [[UInt8]] {
        (1..<Int(CommandLine.argc)).map { index -> [UInt8] in
            guard let pointer = CommandLine.unsafeArgv[index] else { return [] }
            return Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
        }
    }

    /// The exact bytes of the value ArgumentParser decoded as `decoded` for
    /// the option `long` (or `short`): the last one given, as the parser takes.
    static func exactBytes(of decoded: String, option long: String, short: String? = nil) -> [UInt8] {
        guard decoded.unicodeScalars.contains("\u{FFFD}") else { return Array(decoded.utf8) }
        let arguments = raw
        func decodes(_ bytes: some Collection<UInt8>, to text: String) -> Bool {
            String(decoding: bytes, as: UTF8.self) == text
        }
        let names = [long] + (short.map { [$0] } ?? [])
        var found: [UInt8]?
        for (index, argument) in arguments.enumerated() {
            if decodes(argument, to: "--") { break }
            if index > 0, names.contains(where: { decodes(arguments[index - 1], to: $0) }), decodes(argument, to: decoded) {
                found = argument
            }
            for name in names {
                let prefix = Array(name.utf8) + (name.hasPrefix("--") ? [UInt8(ascii: "=")] : [])
                if argument.count > prefix.count, argument.starts(with: prefix),
                   decodes(argument.dropFirst(prefix.count), to: decoded) {
                    found = Array(argument.dropFirst(prefix.count))
                }
            }
        }
        return found ?? Array(decoded.utf8)
    }
}

#if canImport(Glibc)
import Glibc
#endif
