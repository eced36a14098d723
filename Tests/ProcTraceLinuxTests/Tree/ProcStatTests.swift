import ProcTraceLinux
import Testing

@Suite struct ProcStatTests {
    /// /proc/PID/stat of a zombie as Linux 6.x writes it: comm with a space and
    /// a ')', 52 fields, a newline after the last (exit_code: exited 3 = 0x300).
    static let zombie = Array(("4242 (a) b) Z 1 4242 4242 0 -1 4228108 95 0 0 0 0 0 0 0 20 0 1 0 123456 0 0 "
        + "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 768\n").utf8)

    @Test func readsTheFieldsAroundACommWithSpacesAndTheExitCodeBeforeTheNewline() throws {
        let stat = try #require(ProcStat.parse(Self.zombie))
        #expect(stat.pid == 4242 && stat.comm == Array("a) b".utf8))
        #expect(stat.state == UInt8(ascii: "Z") && stat.ppid == 1 && stat.pgrp == 4242 && stat.session == 4242)
        #expect(stat.startTicks == 123456)
        #expect(stat.exitCode == 768)
        #expect(stat.startTimeApproximate == 123456 * ProcStat.nanosecondsPerTick)
        #expect(stat.startedInTick(ofBootNanoseconds: 123456 * ProcStat.nanosecondsPerTick + ProcStat.nanosecondsPerTick - 1))
        #expect(!stat.startedInTick(ofBootNanoseconds: 123457 * ProcStat.nanosecondsPerTick))
    }
}
