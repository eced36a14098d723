import Foundation
import ProcTraceCore
@testable import ProcTraceLinux
import Testing

@Suite struct ProcessContextReaderTests {
    func cgroup(_ text: String) -> String? {
        Array(text.utf8).withUnsafeBytes { ProcessContextReader.cgroupPath(in: $0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func theUnifiedHierarchysLineIsTheCgroup() {
        // cgroup v2 only; hybrid (v1 controllers and the unified hierarchy).
        #expect(cgroup("0::/system.slice/nginx.service\n") == "/system.slice/nginx.service")
        #expect(cgroup("9:name=systemd:/user.slice\n4:memory:/a\n0::/user.slice/user-0.slice/session-1.scope\n")
                == "/user.slice/user-0.slice/session-1.scope")
        // v1 only: systemd's own hierarchy.
        #expect(cgroup("4:memory:/x\n1:name=systemd:/system.slice/cron.service\n") == "/system.slice/cron.service")
        #expect(cgroup("4:memory:/x\n") == nil)
        // A path is bytes: a newline is escaped by the kernel as \012, anything else kept.
        #expect(cgroup("0::/a b/\u{1b}c\n") == "/a b/\u{1b}c")
    }

    @Test func nspidIsTheInnermostNumber() {
        #expect(ProcessContextReader.namespacePid(fromStatus: Array("Name:\tsleep\nNSpid:\t4242\t1\nNSpgid:\t1\n".utf8)) == 1)
        #expect(ProcessContextReader.namespacePid(fromStatus: Array("NSpid:\t4242\n".utf8)) == 4242)
        #expect(ProcessContextReader.namespacePid(fromStatus: Array("Name:\tx\n".utf8)) == nil)
        #expect(ProcessContextReader.namespacePid(fromStatus: nil) == nil)
    }

    @Test func aLiveProcessIsReadWhole() throws {
        let procFS = ProcFS()
        let pid = getpid()
        let directory = try #require(ProcessDirectory(procFS, pid: pid))
        let stat = try #require(directory.stat())
        var event = Event(kind: .exec, pid: pid)
        ProcessContextReader().read(directory, stat: stat, status: nil, extent: .full, into: &event)
        let context = try #require(event.context)
        #expect(context.cwd == Array(FileManager.default.currentDirectoryPath.utf8))
        #expect(context.exe == FileIO.readLink("/proc/self/exe"))
        #expect(context.pidns.map { "pid:[\($0)]" } == (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")))
        #expect(context.cgroup != nil)
        #expect(context.exeInode != nil && context.exeDevice != nil)
        #expect(event.unavailable == [.exeSHA256], "only the hash, which a reader without a hasher cannot give")
    }
}
