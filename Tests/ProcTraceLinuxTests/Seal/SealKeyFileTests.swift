import Foundation
import ProcTraceCore
import ProcTraceLinux
import Testing

/// The key state file: trusted only as its owner left it, replaced whole.
@Suite(.blocking)
struct SealKeyFileTests {
    static func state(interval: UInt64 = 0) throws -> SealKeyState {
        let key = try SealKeySchedule.randomKey()
        return SealKeyState(keyID: SealKeySchedule.keyID(initialKey: key), schedule: SealSchedule(start: 1_700_000_000, intervalSeconds: 60),
                            interval: interval, key: key, lastMAC: nil)
    }

    static func directory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctrace-seal-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return directory
    }

    @Test func storedStateReadsBackAndIsTheOwnersAlone() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("seal.key").path
        let file = try SealKeyFile(path: path)
        var state = try Self.state()
        try file.store(state)
        #expect(try file.load().key == state.key)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        // Replaced whole: the old key is nowhere in the directory.
        let old = state.key
        state.key = SealKeySchedule.evolve(state.key)
        state.interval = 1
        try file.store(state)
        #expect(try file.load().interval == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(names == ["seal.key"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(old.map { String(format: "%02x", $0) }.joined()))
    }

    @Test func aStoreCutAfterErasingTheOldFileIsFinishedAtLoad() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("seal.key").path
        let file = try SealKeyFile(path: path)
        let state = try Self.state(interval: 7)
        try file.store(state)
        // As a crash between erasing seal.key and renaming the new state over it leaves them.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try Data(text.utf8).write(to: directory.appendingPathComponent(".seal.key.new"))
        chmod(directory.appendingPathComponent(".seal.key.new").path, 0o600)
        try Data(repeating: 0, count: text.utf8.count).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        #expect(try file.load().interval == 7)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["seal.key"])
    }

    enum Planted: CaseIterable { case readableByGroup, symbolicLink, otherOwner, secondHardLink, writableDirectory }

    @Test(arguments: Planted.allCases) func refusesAKeyItDidNotMake(_ planted: Planted) throws {
        try #require(Privilege.isRoot || planted != .otherOwner, "needs root to give a file away")
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("seal.key").path
        try SealKeyFile(path: path).store(try Self.state())
        var expected: String
        switch planted {
        case .readableByGroup:
            chmod(path, 0o640)
            expected = "other users can read or write it"
        case .symbolicLink:
            try FileManager.default.moveItem(atPath: path, toPath: path + ".real")
            symlink(path + ".real", path)
            expected = "symbolic link"
        case .otherOwner:
            chown(path, 65534, 65534)
            expected = "owned by uid 65534"
        case .secondHardLink:
            link(path, directory.appendingPathComponent("copy").path)
            expected = "2 names"
        case .writableDirectory:
            chmod(directory.path, 0o777)
            expected = "its directory is writable by other users"
        }
        do {
            _ = try SealKeyFile(path: path).load()
            Issue.record("loaded a planted key (\(planted))")
        } catch let error as SealKeyError {
            #expect(error.description.contains(expected), "\(error)")
        }
    }

    @Test func theKeyScheduleGoesOneWayAndNamesItsKey() throws {
        let key = try SealKeySchedule.randomKey()
        #expect(SealKeySchedule.evolve(key, steps: 3) == SealKeySchedule.evolve(SealKeySchedule.evolve(SealKeySchedule.evolve(key))))
        #expect(SealKeySchedule.evolve(key) != key)
        let verification = SealVerificationKey(initialKey: key, schedule: SealSchedule(start: 1_700_000_000, intervalSeconds: 900))
        let parsed = try #require(SealVerificationKey(text: verification.text + "\n"))
        #expect(parsed.initialKey == key && parsed.schedule == verification.schedule && parsed.keyID.count == 16)
        #expect(SealVerificationKey(text: "proctrace-seal-key-v1:00:1:1") == nil)
        // The construction, against libcrypto's HMAC directly: k1 = HMAC(k0, "proctrace-seal-evolve").
        #expect(SealKeySchedule.evolve(key) == HMACSHA256.authenticationCode(key: key, message: Array("proctrace-seal-evolve".utf8)))
    }

    // MARK: The commands

    @Test func sealInitRefusesToReplaceAKeyAndRecordNeedsAKeyItWasGiven() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("seal.key").path
        let first = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["seal", "init", "--key-file", path, "--interval", "1h"])
        #expect(first.0 == 0, "\(first.2)")
        let key = try #require(SealVerificationKey(text: first.1))
        #expect(key.schedule.intervalSeconds == 3600)
        let again = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["seal", "init", "--key-file", path])
        #expect(again.0 == 1 && again.1.isEmpty && again.2.contains("exists"), "\(again)")
        let forced = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["seal", "init", "--key-file", path, "--force"])
        #expect(forced.0 == 0 && SealVerificationKey(text: forced.1)?.keyID != key.keyID)
        // A key named but missing (not the default path) stops record before it starts.
        let missing = try LiveRecording.runCapturingErrors(Binaries.proctrace, [
            "record", "--config", "/dev/null", "--backend", "netlink", "--duration", "0.3",
            "--seal-key", directory.appendingPathComponent("none.key").path, "-o", directory.appendingPathComponent("log").path,
        ])
        #expect(missing.0 == 1 && missing.2.contains("cannot seal: cannot open the seal key"), "\(missing.2)")
    }

    @Test func theDefaultKeyMissingMeansNotSealingSaidOnce() throws {
        try #require(Privilege.isRoot, "needs root: records")
        try #require(access(SealKeyFile.defaultPath, F_OK) != 0, "this machine has a key state at the default path")
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("log").path
        let result = try LiveRecording.runCapturingErrors(Binaries.proctrace, [
            "record", "--config", "/dev/null", "--backend", "netlink", "--duration", "0.5", "--seal-key", SealKeyFile.defaultPath,
            "-o", log,
        ])
        #expect(result.0 == 0, "\(result.2)")
        #expect(result.2.contains("not sealing: no key state at \(SealKeyFile.defaultPath)"), "\(result.2)")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("\"event\":\"stop\"") && !text.contains("\"event\":\"seal\""))
    }
}

/// Root runs seal init for the packaged service, whose own user owns the state directory.
@Suite(.blocking)
struct SealInitForTheServiceTests {
    @Test func rootMakesTheKeyForTheOwnerOfItsDirectory() throws {
        try #require(Privilege.isRoot, "needs root to give a file away")
        let directory = try SealKeyFileTests.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(chown(directory.path, 61234, 61234) == 0)
        let path = directory.appendingPathComponent("seal.key").path
        let made = try LiveRecording.runCapturingErrors(Binaries.proctrace, ["seal", "init", "--key-file", path])
        #expect(made.0 == 0, "\(made.2)")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_uid == 61234 && info.st_mode & 0o777 == 0o600)
        // That user can use it; root, who does not own it, is refused.
        #expect(try SealKeyFile(path: path, effectiveUser: 61234).load().interval == 0)
        #expect(throws: SealKeyError.self) { try SealKeyFile(path: path).load() }
    }
}
