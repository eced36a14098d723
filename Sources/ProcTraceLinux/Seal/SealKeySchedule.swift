#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore

/// The keys of forward-secure sealing (docs/sealing.md), all HMAC-SHA256
/// through libcrypto:
///
///     k(i+1) = HMAC(k(i), "proctrace-seal-evolve")     one way: k(i) cannot be had from k(i+1)
///     m(i)   = HMAC(k(i), "proctrace-seal-mac")        the MAC key of interval i
///     mac    = HMAC(m(i), "proctrace-seal-v1\n" ‖ the seal line up to its MAC value)
///     id     = the first 8 bytes of HMAC(k(0), "proctrace-seal-id"), in hex
///
/// The seal line holds the SHA-256 of the lines it covers and the previous
/// seal's MAC, so the MAC covers them and the chain.
public enum SealKeySchedule {
    public static let keyLength = 32
    static let evolveLabel = Array("proctrace-seal-evolve".utf8)
    static let macLabel = Array("proctrace-seal-mac".utf8)
    static let idLabel = Array("proctrace-seal-id".utf8)
    static let domain = Array("proctrace-seal-v1\n".utf8)
    /// Lines may be dated this much before the interval of the key that seals
    /// them: a record is written after it happened (hash waits, a ring backlog).
    public static let lateLineTolerance: Int64 = 120 * 1_000_000_000

    /// The next interval's key.
    public static func evolve(_ key: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticationCode(key: key, message: evolveLabel)
    }

    /// The key `steps` intervals on.
    public static func evolve(_ key: [UInt8], steps: UInt64) -> [UInt8] {
        var key = key
        var step: UInt64 = 0
        while step < steps {
            let next = evolve(key)
            erase(&key)
            key = next
            step += 1
        }
        return key
    }

    public static func keyID(initialKey: [UInt8]) -> String {
        let code = HMACSHA256.authenticationCode(key: initialKey, message: idLabel)
        return hex(code.prefix(8))
    }

    /// The MAC of a seal whose line, up to its MAC value, is `prefix`, under interval key `key`.
    public static func mac(intervalKey key: [UInt8], prefix: UnsafeRawBufferPointer) -> SHA256Digest {
        var macKey = HMACSHA256.authenticationCode(key: key, message: macLabel)
        defer { erase(&macKey) }
        var context = HMACSHA256(key: macKey)
        context.update(domain)
        context.update(prefix)
        return SHA256Digest(bytes: context.finalize())
    }

    /// Overwrites a key in place (best effort: Swift may have copied it before).
    public static func erase(_ key: inout [UInt8]) {
        key.withUnsafeMutableBytes { bytes in
            if let base = bytes.baseAddress { explicit_bzero(base, bytes.count) }
        }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(hex text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// 32 bytes from the kernel's random number generator (/dev/urandom:
    /// Swift's Glibc module does not export getrandom(2)).
    public static func randomKey() throws -> [UInt8] {
        let fd = try retryingSystemCall("open", "/dev/urandom") { open("/dev/urandom", O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFCHR, info.st_rdev == (1 << 8 | 9) else {
            throw SystemCallError("open", "/dev/urandom is not the kernel's random device", errno: ENODEV)
        }
        let key = try FileIO.readAll(fd: fd, name: "/dev/urandom", limit: keyLength)
        guard key.count == keyLength else { throw SystemCallError("read", "/dev/urandom", errno: EIO) }
        return key
    }
}

/// When the key intervals begin and how long they are.
public struct SealSchedule: Equatable, Sendable {
    /// Seconds since the epoch when interval 0 began (`seal init`).
    public var start: Int64
    public var intervalSeconds: Int64

    public init(start: Int64, intervalSeconds: Int64) {
        self.start = start
        self.intervalSeconds = intervalSeconds
    }

    /// The interval a wall-clock time (nanoseconds since the epoch) falls in (0 before the start).
    public func interval(at nanoseconds: Int64) -> UInt64 {
        let seconds = nanoseconds / 1_000_000_000
        guard seconds > start, intervalSeconds > 0 else { return 0 }
        return UInt64((seconds - start) / intervalSeconds)
    }

    /// When interval `index` begins, in nanoseconds since the epoch.
    public func begin(of index: UInt64) -> Int64 {
        let (product, overflow) = Int64(clamping: index).multipliedReportingOverflow(by: intervalSeconds)
        guard !overflow else { return .max }
        let (sum, over) = start.addingReportingOverflow(product)
        guard !over, sum < Int64.max / 1_000_000_000 else { return .max }
        return sum * 1_000_000_000
    }
}

/// What a verifier needs, printed once by `seal init`:
/// `proctrace-seal-key-v1:<k(0) in hex>:<start>:<interval seconds>`.
public struct SealVerificationKey: Sendable {
    public static let prefix = "proctrace-seal-key-v1"
    public let initialKey: [UInt8]
    public let schedule: SealSchedule
    public let keyID: String

    public init(initialKey: [UInt8], schedule: SealSchedule) {
        self.initialKey = initialKey
        self.schedule = schedule
        keyID = SealKeySchedule.keyID(initialKey: initialKey)
    }

    public var text: String {
        "\(SealVerificationKey.prefix):\(SealKeySchedule.hex(initialKey)):\(schedule.start):\(schedule.intervalSeconds)"
    }

    /// Parses `text` (surrounding white space ignored); nil when it is not a verification key.
    public init?(text: String) {
        let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).first ?? ""
        let parts = line.trimmingSpaces.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == SealVerificationKey.prefix,
              let key = SealKeySchedule.bytes(hex: parts[1]), key.count == SealKeySchedule.keyLength,
              let start = Int64(parts[2]), start >= 0, let seconds = Int64(parts[3]), seconds > 0 else { return nil }
        self.init(initialKey: key, schedule: SealSchedule(start: start, intervalSeconds: seconds))
    }
}

/// What the key state file holds: the current interval's key, never an earlier one.
public struct SealKeyState: Sendable {
    public static let header = "proctrace-seal-state v1"
    public var keyID: String
    public var schedule: SealSchedule
    /// The interval `key` belongs to.
    public var interval: UInt64
    public var key: [UInt8]
    /// The MAC of the last seal made, which the next one chains to (also across restarts).
    public var lastMAC: SHA256Digest?

    public init(keyID: String, schedule: SealSchedule, interval: UInt64, key: [UInt8], lastMAC: SHA256Digest?) {
        self.keyID = keyID
        self.schedule = schedule
        self.interval = interval
        self.key = key
        self.lastMAC = lastMAC
    }

    public var text: String {
        """
        \(SealKeyState.header)
        key_id \(keyID)
        start \(schedule.start)
        interval_seconds \(schedule.intervalSeconds)
        interval \(interval)
        key \(SealKeySchedule.hex(key))
        last_mac \(lastMAC?.hex ?? "none")

        """
    }

    /// Parses the file's text; nil when it is not a key state.
    public init?(text: String) {
        var lines = text.split(separator: "\n")
        guard lines.first == Substring(SealKeyState.header) else { return nil }
        lines.removeFirst()
        var values: [Substring: Substring] = [:]
        for line in lines {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, values[parts[0]] == nil else { return nil }
            values[parts[0]] = parts[1]
        }
        guard values.count == 6, let keyID = values["key_id"], keyID.count == 16,
              let start = values["start"].flatMap({ Int64($0) }), start >= 0,
              let seconds = values["interval_seconds"].flatMap({ Int64($0) }), seconds > 0,
              let interval = values["interval"].flatMap({ UInt64($0) }),
              let key = values["key"].flatMap({ SealKeySchedule.bytes(hex: $0) }), key.count == SealKeySchedule.keyLength,
              let last = values["last_mac"] else { return nil }
        var lastMAC: SHA256Digest?
        if last != "none" {
            guard let digest = Array(last.utf8).withUnsafeBytes({ SHA256Digest(hex: $0) }) else { return nil }
            lastMAC = digest
        }
        self.init(keyID: String(keyID), schedule: SealSchedule(start: start, intervalSeconds: seconds),
                  interval: interval, key: key, lastMAC: lastMAC)
    }
}
