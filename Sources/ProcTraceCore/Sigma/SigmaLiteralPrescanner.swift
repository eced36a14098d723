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
    /// Literals over all fields: the bits a record's found set needs.
    private let literalCount: Int

    /// One field's scanner, and the number of its first literal (numbers are global over fields).
    private struct Part: Sendable {
        let scanner: SigmaLiteralScanner
        let first: Int32
    }

    init(scanners: [SigmaLiteralScanner?], firstNumber: [Int32], literalCount: Int) {
        self.literalCount = literalCount
        func part(_ field: SigmaField) -> Part? {
            scanners[field.rawValue].map { Part(scanner: $0, first: firstNumber[field.rawValue]) }
        }
        image = part(.image)
        commandLine = part(.commandLine)
        currentDirectory = part(.currentDirectory)
    }

    /// Appends to `found` the number of each literal `event`'s own fields hold when it is an exec, each
    /// once (a crafted command line repeating a literal adds one number, not one a repeat); the fields
    /// read as SigmaExecFields computes them.
    /// The record is not changed: inout only reads it in place (by value, it was copied whole).
    public func prescan(_ event: inout Event, into found: inout [Int32]) {
        guard event.kind == .exec else { return }
        let context = event.contextStorage
        // Which literals are already in `found`: bits on the stack, no allocation a record.
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: (literalCount + 63) / 64) { seen in
            seen.initialize(repeating: 0)
            func scan(_ bytes: UnsafeRawBufferPointer, _ part: Part) {
                part.scanner.scan(bytes) { literal in
                    let number = Int(part.first) &+ literal
                    let bit: UInt64 = 1 << UInt64(number & 63)
                    guard seen[number >> 6] & bit == 0 else { return }
                    seen[number >> 6] |= bit
                    found.append(Int32(number))
                }
            }
            if let image, let bytes = context?.value.exe ?? event.filename {
                bytes.withUnsafeBytes { scan($0, image) }
            }
            if let commandLine, let argv = event.argv {
                if commandLine.scanner.readsArgumentVectors {
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
}
