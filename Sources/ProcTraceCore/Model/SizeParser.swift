/// Sizes as people write them: 4096, 64K, 16M, 1G (powers of 1024).
public enum SizeParser {
    public static func bytes(_ text: String) -> UInt64? {
        guard let last = text.last else { return nil }
        let multipliers: [Character: UInt64] = ["K": 1 << 10, "k": 1 << 10, "M": 1 << 20, "m": 1 << 20, "G": 1 << 30, "g": 1 << 30]
        if let multiplier = multipliers[last] {
            guard let value = UInt64(text.dropLast()) else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        return UInt64(text)
    }
}
