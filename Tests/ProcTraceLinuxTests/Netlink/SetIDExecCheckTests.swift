#if canImport(Glibc)
import Glibc
#endif
@testable import ProcTraceLinux
import Testing

/// The kernel's rule for which ids an exec's set-id bits give (fs/exec.c,
/// bprm_fill_uid), as SetIDExecCheck applies it to the exec'd file.
struct SetIDExecCheckTests {
    @Test func setUIDGivesTheOwnerOnly() {
        let toRoot = SetIDExecCheck(group: false, effectiveID: 0)
        #expect(toRoot.gives(mode: S_IFREG | 0o4755, owner: 0, group: 0))
        #expect(!toRoot.gives(mode: S_IFREG | 0o4755, owner: 65534, group: 0), "another owner's program")
        #expect(!toRoot.gives(mode: S_IFREG | 0o0755, owner: 0, group: 0), "no set-uid bit")
        #expect(!toRoot.gives(mode: S_IFREG | 0o2755, owner: 0, group: 0), "set-gid says nothing of the uid")
    }

    @Test func setGIDGivesTheGroupOnlyWithGroupExecute() {
        let toStaff = SetIDExecCheck(group: true, effectiveID: 50)
        #expect(toStaff.gives(mode: S_IFREG | 0o2755, owner: 0, group: 50))
        #expect(!toStaff.gives(mode: S_IFREG | 0o2745, owner: 0, group: 50), "without group execute it marks mandatory locking")
        #expect(!toStaff.gives(mode: S_IFREG | 0o2755, owner: 50, group: 0), "another group")
        #expect(!toStaff.gives(mode: S_IFREG | 0o4755, owner: 50, group: 50), "set-uid says nothing of the gid")
    }
}
