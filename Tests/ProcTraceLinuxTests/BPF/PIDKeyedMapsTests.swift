import ProcTraceLinux
import Testing

/// The per-PID maps' size: every process that can exist, from the kernel's limits read at start.
@Suite struct PIDKeyedMapsTests {
    @Test func theFewerOfThePIDsAndTheTasksWithAQuarterMore() {
        // This machine: PIDs stop at 32,768 (the kernel's default).
        #expect(PIDKeyedMaps.entries(pidMax: 32_768, threadsMax: 192_735) == 32_768)
        // systemd's pid_max on a 24 GiB host: the tasks bound it.
        #expect(PIDKeyedMaps.entries(pidMax: 4_194_304, threadsMax: 192_735) == 240_918)
        #expect(PIDKeyedMaps.entries(pidMax: 4_194_304, threadsMax: nil) == 4_194_304)
    }

    @Test func neverBelowTheUsualPIDsNorAboveTheMostLinuxAllows() {
        #expect(PIDKeyedMaps.entries(pidMax: 1_000, threadsMax: 500) == 32_768)
        #expect(PIDKeyedMaps.entries(pidMax: 4_194_304, threadsMax: 8_000_000) == 4_194_304)
        #expect(PIDKeyedMaps.entries(pidMax: nil, threadsMax: nil) == 4_194_304)
        #expect(PIDKeyedMaps.entries(pidMax: 0, threadsMax: -1) == 4_194_304)
    }
}
