import CProcTraceCrypto
import ProcTraceCore

/// SHA-256 through Debian's libcrypto (the CPU's SHA extensions where it has
/// them). Incremental: `update` any number of times, then `finalize`, which
/// starts it again, so one hasher serves many messages (a worker thread keeps
/// one). Not for sharing between threads.
public struct SHA256Hasher: ~Copyable {
    private let context: OpaquePointer

    public init() {
        // Fails only without memory or without SHA-256 in libcrypto: a broken system, nothing to carry on with.
        guard let context = pt_sha256_new() else { fatalError("libcrypto: no SHA-256 context") }
        self.context = context
    }

    deinit {
        pt_sha256_free(context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard pt_sha256_update(context, bytes.baseAddress, bytes.count) == 1 else { fatalError("libcrypto: SHA-256 update failed") }
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The digest of everything updated since the start (or the last `finalize`).
    public mutating func finalize() -> SHA256Digest {
        let context = self.context
        return withDigestBuffer { pt_sha256_final(context, $0) }
    }

    /// One-shot.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        withDigestBuffer { pt_sha256(bytes.baseAddress, bytes.count, $0) }
    }

    public static func hash(_ bytes: some Sequence<UInt8>) -> SHA256Digest {
        bytes.withContiguousStorageIfAvailable { hash(UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { hash($0) }
    }
}

/// HMAC-SHA256 (RFC 2104) under one key, through Debian's libcrypto.
/// Incremental like `SHA256Hasher`: `finalize` starts again under the same key.
public struct HMACSHA256: ~Copyable {
    private let context: OpaquePointer

    public init(key: some Sequence<UInt8>) {
        let key = Array(key)
        guard let context = key.withUnsafeBytes({ pt_hmac_sha256_new($0.baseAddress, $0.count) }) else {
            fatalError("libcrypto: no HMAC-SHA256 context")
        }
        self.context = context
    }

    deinit {
        pt_hmac_sha256_free(context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard pt_hmac_sha256_update(context, bytes.baseAddress, bytes.count) == 1 else { fatalError("libcrypto: HMAC update failed") }
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// The 32-byte authentication code of everything updated since the start (or the last `finalize`).
    public mutating func finalize() -> [UInt8] {
        let context = self.context
        var mac = [UInt8](repeating: 0, count: Int(PT_SHA256_LENGTH))
        let ok = mac.withUnsafeMutableBufferPointer { pt_hmac_sha256_final(context, $0.baseAddress) }
        guard ok == 1 else { fatalError("libcrypto: HMAC final failed") }
        return mac
    }

    /// One-shot.
    public static func authenticationCode(key: some Sequence<UInt8>, message: some Sequence<UInt8>) -> [UInt8] {
        let key = Array(key), message = Array(message)
        var mac = [UInt8](repeating: 0, count: Int(PT_SHA256_LENGTH))
        let ok = key.withUnsafeBytes { key in
            message.withUnsafeBytes { message in
                mac.withUnsafeMutableBufferPointer {
                    pt_hmac_sha256(key.baseAddress, key.count, message.baseAddress, message.count, $0.baseAddress)
                }
            }
        }
        guard ok == 1 else { fatalError("libcrypto: HMAC-SHA256 failed") }
        return mac
    }
}

/// Runs `body` on a 32-byte buffer and reads the digest it wrote.
private func withDigestBuffer(_ body: (UnsafeMutablePointer<UInt8>) -> Int32) -> SHA256Digest {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(PT_SHA256_LENGTH)) { buffer in
        guard body(buffer.baseAddress!) == 1 else { fatalError("libcrypto: SHA-256 failed") }
        return SHA256Digest(bytes: UnsafeBufferPointer(buffer))
    }
}
