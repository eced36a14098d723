/// Who, where and which binary (issue 14): what `exec`, `exists` and `fork`
/// records say beyond the process's identity and credentials. nil in a field
/// is "not known" — either it does not apply (no terminal, loginuid unset,
/// not a container) or it could not be read, and then the record's
/// `unavailable` names it (see UnavailableFields).
public struct ProcessContext: Hashable, Sendable {
    /// Login uid (`/proc/PID/loginuid`, the task's `loginuid`); nil when unset (4294967295).
    public var auid: UInt32?
    /// Audit session id; nil when unset (4294967295).
    public var auditSession: UInt32?
    /// The controlling terminal as a name under /dev (`pts/3`, `tty1`); nil when none.
    public var tty: [UInt8]?
    /// The absolute working directory, as bytes.
    public var cwd: [UInt8]?
    /// The file the kernel runs (`/proc/PID/exe`), as bytes.
    public var exe: [UInt8]?
    public var exeInode: UInt64?
    public var exeDevice: DeviceNumber?
    public var exeSHA256: SHA256Digest?
    /// Why `exeSHA256` is null when hashing was on and gave up (nil otherwise).
    public var exeSHA256Skipped: HashSkipReason?
    /// The cgroup v2 path (`/system.slice/nginx.service`), as bytes.
    public var cgroup: [UInt8]?
    /// The 64 lowercase hex digits of a container id found in `cgroup` (ContainerID.find).
    public var containerID: [UInt8]?
    /// Namespace inode numbers.
    public var pidns: UInt32?
    public var mntns: UInt32?
    public var netns: UInt32?
    public var userns: UInt32?
    /// The pid inside the process's own pid namespace, only when it differs from `pid`.
    public var nspid: Int32?

    public init() {}

    /// Sets `cgroup` and the container id found in it.
    public mutating func setCgroup(_ path: [UInt8]?) {
        cgroup = path
        containerID = path.flatMap { ContainerID.find(in: $0) }
    }
}

/// A device number as `stat` splits it.
public struct DeviceNumber: Hashable, Sendable {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    /// From a user-space `dev_t` (glibc's encoding: `gnu_dev_major`/`gnu_dev_minor`).
    public init(userDev dev: UInt64) {
        major = UInt32(truncatingIfNeeded: ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0000_0fff))
        minor = UInt32(truncatingIfNeeded: ((dev >> 12) & 0xffff_ff00) | (dev & 0x0000_00ff))
    }

    /// From the kernel's internal `dev_t` (MKDEV: 12-bit major, 20-bit minor), as BPF reads `s_dev`.
    public init(kernelDev dev: UInt32) {
        major = dev >> 20
        minor = dev & 0xfffff
    }

    /// As a user-space `dev_t` (glibc's `gnu_dev_makedev`), what `stat` reports in `st_dev`.
    public var userDev: UInt64 {
        let major = UInt64(major), minor = UInt64(minor)
        return ((major & 0xffff_f000) << 32) | ((major & 0x0fff) << 8) | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
    }
}

/// A SHA-256 digest, written as 64 lowercase hex digits.
public struct SHA256Digest: Hashable, Sendable {
    /// The 32 bytes, big-endian words as the digest is printed.
    public var words: (UInt64, UInt64, UInt64, UInt64)

    public init(bytes: some Sequence<UInt8>) {
        var values: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() where index < 32 {
            values[index / 8] |= UInt64(byte) << (56 - 8 * UInt64(index % 8))
        }
        words = (values[0], values[1], values[2], values[3])
    }

    /// From 64 hex digits (either case); nil for anything else.
    public init?(hex: UnsafeRawBufferPointer) {
        guard hex.count == 64 else { return nil }
        var values: [UInt64] = [0, 0, 0, 0]
        for index in 0..<64 {
            let byte = hex[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte &- UInt8(ascii: "A") &+ 10
            default: return nil
            }
            values[index / 16] |= UInt64(nibble) << (60 - 4 * UInt64(index % 16))
        }
        words = (values[0], values[1], values[2], values[3])
    }

    public var bytes: [UInt8] {
        [words.0, words.1, words.2, words.3].flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64($0))) } }
    }

    /// Appends the 64 lowercase hex digits.
    @inline(__always)
    public func appendHex(to out: ByteBuffer) {
        SHA256Digest.appendHex(words.0, to: out)
        SHA256Digest.appendHex(words.1, to: out)
        SHA256Digest.appendHex(words.2, to: out)
        SHA256Digest.appendHex(words.3, to: out)
    }

    private static func appendHex(_ word: UInt64, to out: ByteBuffer) {
        out.reserve(16)
        var shift: UInt64 = 64
        while shift > 0 {
            shift -= 4
            let nibble = UInt8(truncatingIfNeeded: (word >> shift) & 0xf)
            out.append(nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ nibble &- 10)
        }
    }

    public var hex: String {
        let out = ByteBuffer(capacity: 64)
        appendHex(to: out)
        return String(decoding: out.array, as: UTF8.self)
    }

    public static func == (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
