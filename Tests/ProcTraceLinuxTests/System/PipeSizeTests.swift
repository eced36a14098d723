#if canImport(Glibc)
import Glibc
#endif
@testable import ProcTraceLinux
import Testing

/// `replay | jq` and `tail | grep` write through a pipe far faster than it is
/// read: RecordOutput lets its pipe hold 1 MiB, so the writer waits once per
/// MiB, not per 64 KiB. Anything but a pipe is left alone.
@Suite struct PipeSizeTests {
    @Test func aPipeIsEnlargedAndNeverShrunk() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(fcntl(ends[1], FileIO.getPipeSize) == 64 << 10)
        FileIO.enlargePipe(ends[1], to: 1 << 20)
        #expect(fcntl(ends[1], FileIO.getPipeSize) == 1 << 20)
        FileIO.enlargePipe(ends[1], to: 128 << 10)
        #expect(fcntl(ends[1], FileIO.getPipeSize) == 1 << 20)
    }

    @Test func aFileOrATerminalIsLeftAsItIs() throws {
        let fd = open("/dev/null", O_WRONLY)
        defer { close(fd) }
        FileIO.enlargePipe(fd, to: 1 << 20)
        #expect(fcntl(fd, FileIO.getPipeSize) == -1 && errno == EBADF)
    }
}
