import Glibc
import ProcTraceLinux
import Testing

@Suite struct SystemCallErrorTests {
    @Test func namesTheCallTheSubjectAndTheReason() {
        let error = SystemCallError("open", "/var/log/x", errno: EACCES)
        #expect(error.description == "open(/var/log/x): Permission denied")
    }

    @Test func retriesOnlyUntilARealFailure() {
        #expect(throws: SystemCallError("close", "fd -1", errno: EBADF)) {
            try retryingSystemCall("close", "fd -1") { close(-1) }
        }
    }
}
