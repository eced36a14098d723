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

    /// The scanners whose tables the parts read (theirs to free).
    private let owners: [SigmaLiteralScanner]

    /// One field's scanner's tables, and the number of its first literal (numbers are global over
    /// fields). No reference: copying a part out of its optional retained and released the scanner,
    /// from every decoding thread at once.
    private struct Part: Sendable {
        let tables: SigmaLiteralTables
        let readsArgumentVectors: Bool
        let first: Int32
    }

    init(scanners: [SigmaLiteralScanner?], firstNumber: [Int32]) {
        owners = scanners.compactMap { $0 }
        func part(_ field: SigmaField) -> Part? {
            scanners[field.rawValue].map {
                Part(tables: $0.tables, readsArgumentVectors: $0.readsArgumentVectors,
                     first: firstNumber[field.rawValue])
            }
        }
        image = part(.image)
        commandLine = part(.commandLine)
        currentDirectory = part(.currentDirectory)
    }

    /// Appends to `found` the number of each literal `event`'s own fields hold when it is an exec, each
    /// once (the scanner reports a literal once a field, and fields' numbers differ: a crafted command
    /// line repeating a literal adds one number, not one a repeat); the fields read as SigmaExecFields
    /// computes them.
    /// The record is not changed: inout only reads it in place (by value, it was copied whole).
    public func prescan(_ event: inout Event, into found: inout [Int32]) {
        guard event.kind == .exec else { return }
        let context = event.contextStorage
        func scan(_ bytes: UnsafeRawBufferPointer, _ part: Part) {
            part.tables.scan(bytes) { literal in found.append(part.first &+ Int32(truncatingIfNeeded: literal)) }
        }
        if let image, let bytes = context?.value.exe ?? event.filename {
            bytes.withUnsafeBytes { scan($0, image) }
        }
        if let commandLine, let argv = event.argv {
            if commandLine.readsArgumentVectors {
                argv.bytes.withUnsafeBytes { scan($0, commandLine) }
            } else {
                SigmaExecFields.commandLine(argv).withUnsafeBytes { scan($0, commandLine) }
            }
        }
        if let currentDirectory, let bytes = context?.value.cwd {
            bytes.withUnsafeBytes { scan($0, currentDirectory) }
        }
    }
}
