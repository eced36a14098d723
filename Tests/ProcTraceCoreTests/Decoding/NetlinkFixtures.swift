import Foundation
import ProcTraceCore

/// Datagrams captured from this kernel by scripts/capture-netlink-fixtures.py.
enum NetlinkFixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/netlink/\(name).bin")
        return Array(try Data(contentsOf: url))
    }

    static func events(_ name: String) throws -> [ProcConnectorEvent] {
        try parse(bytes(name)).events
    }

    static func parse(_ bytes: [UInt8]) -> (events: [ProcConnectorEvent], counts: ProcConnectorParser.Counts) {
        var events: [ProcConnectorEvent] = []
        let counts = bytes.withUnsafeBytes { ProcConnectorParser().parse($0) { events.append($0) } }
        return (events, counts)
    }

    /// The netlink messages of a capture, one per datagram.
    static func messages(_ bytes: [UInt8]) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var offset = 0
        while offset + 4 <= bytes.count {
            let length = bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
            messages.append(Array(bytes[offset..<(offset + length)]))
            offset += length
        }
        return messages
    }
}
