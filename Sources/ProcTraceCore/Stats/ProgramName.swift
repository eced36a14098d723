/// A program's name as `stats` counts it (its path, or argv[0], or comm),
/// hashed in one go: `[UInt8]`'s own hashing feeds the hasher a byte at a
/// time (~1,100 instructions for a 15-byte path, once per exec).
struct ProgramName: Hashable {
    var bytes: [UInt8]

    static func == (lhs: ProgramName, rhs: ProgramName) -> Bool {
        lhs.bytes == rhs.bytes
    }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
