/// The literal filter's scan of the fields an exec's record holds by itself
/// (Image, CommandLine, CurrentDirectory), done ahead where the record was
/// decoded: `hunt` runs it on the threads that decode lines, so the one
/// thread that takes the records in order (tree, rules) scans only the
/// parent's fields. Immutable, so those threads share it.
public final class SigmaLiteralPrescanner: Sendable {
    /// The fields `prescan` covers (bit = SigmaField.rawValue).
    static let fields: UInt32 = 1 << UInt32(SigmaField.image.rawValue) | 1 << UInt32(SigmaField.commandLine.rawValue)
        | 1 << UInt32(SigmaField.currentDirectory.rawValue)

    private let image: Part?
    private let commandLine: Part?
    private let currentDirectory: Part?

    /// One field's scanner, and the number of its first literal (numbers are global over fields).
    private struct Part: Sendable {
        let scanner: SigmaLiteralScanner
        let first: Int32
    }

    init(scanners: [SigmaLiteralScanner?], firstNumber: [Int32]) {
        func part(_ field: SigmaField) -> Part? {
            scanners[field.rawValue].map { Part(scanner: $0, first: firstNumber[field.rawValue]) }
        }
        image = part(.image)
        commandLine = part(.commandLine)
        currentDirectory = part(.currentDirectory)
    }

    /// Appends to `found` the number of each literal `event`'s own fields hold when it is an exec
    /// (a literal may be appended more than once); the fields read as SigmaExecFields computes them.
    /// The record is not changed: inout only reads it in place (by value, it was copied whole).
    public func prescan(_ event: inout Event, into found: inout [Int32]) {
        guard event.kind == .exec else { return }
        let context = event.contextStorage
        if let image, let bytes = context?.value.exe ?? event.filename {
            bytes.withUnsafeBytes { Self.scan($0, image, into: &found) }
        }
        if let commandLine, let argv = event.argv {
            if commandLine.scanner.readsArgumentVectors {
                argv.bytes.withUnsafeBytes { Self.scan($0, commandLine, into: &found) }
            } else {
                SigmaExecFields.commandLine(argv).withUnsafeBytes { Self.scan($0, commandLine, into: &found) }
            }
        }
        if let currentDirectory, let bytes = context?.value.cwd {
            bytes.withUnsafeBytes { Self.scan($0, currentDirectory, into: &found) }
        }
    }

    private static func scan(_ bytes: UnsafeRawBufferPointer, _ part: Part, into found: inout [Int32]) {
        part.scanner.scan(bytes) { found.append(part.first &+ Int32($0)) }
    }
}
