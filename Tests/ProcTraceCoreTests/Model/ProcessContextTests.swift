import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct ContainerIDTests {
    static let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

    @Test(arguments: [
        "/docker/\(id)",                                                  // docker, cgroupfs driver
        "/system.slice/docker-\(id).scope",                               // docker, systemd driver
        "/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/\(id)", // containerd, cgroupfs
        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod12.slice/cri-containerd-\(id).scope",
        "/kubepods.slice/kubepods-burstable.slice/crio-\(id).scope",      // cri-o
        "/machine.slice/libpod-\(id).scope",                              // podman
        "/machine.slice/libpod-\(id).scope/container",                    // podman, a nested cgroup below the id
        "/libpod_parent/libpod-\(id)",
        "/system.slice/docker-\(id.uppercased()).scope",
        "/system.slice/crio-\(id).scope",                                // cri-o outside Kubernetes
        "/system.slice/containerd.service/default/\(id)",                // containerd's own subtree
        "/kubepods/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9/\(id)",        // guaranteed QoS
        "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod12.slice/cri-containerd-\(id).scope",
        "/docker/\(id)/docker/\(String(id.reversed()))",                  // docker in docker: the outer one
        "/kubepods/burstable/pod12/\(id)/\(String(id.reversed()))",       // a cgroup the container made
    ])
    func findsTheIdOfEachRuntimesSpelling(path: String) {
        #expect(ContainerID.find(in: Array(path.utf8)) == Array(Self.id.utf8), "\(path)")
    }

    @Test(arguments: [
        "/", "", "/user.slice/user-1000.slice/session-3.scope", "/system.slice/nginx.service",
        "/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
        "/docker/\(id)0",                  // 65 hex digits: not an id
        "/docker/x\(id)",                  // hex glued to another word
        "/docker/\(id.dropLast())g",       // not hex
        "/docker/\(id.dropLast())",        // 63
    ])
    func findsNoneWhereThePathNamesNoContainer(path: String) {
        #expect(ContainerID.find(in: Array(path.utf8)) == nil, "\(path)")
    }

    /// Issue 24: any component shaped like `[PREFIX-]ID`, the last winning,
    /// let a user name a cgroup of their delegated subtree after another container.
    @Test(arguments: [
        "/user.slice/user-1000.slice/user@1000.service/app.slice/docker-\(id).scope",
        "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-\(id).scope", // rootless podman: the user's
        "/user.slice/user-1000.slice/session-3.scope/docker/\(id)",
        "/system.slice/delegated.service/docker-\(id).scope",          // a service with Delegate=yes names its own
        "/docker/x/\(id)",                                              // only /docker/ID at the root
        "/machine.slice/machine-x.scope/libpod-\(id).scope",
        "/system.slice/evil-\(id).scope",                               // not a runtime's prefix
        "/\(id)",
        "/docker/docker-\(id).scope.scope",
    ])
    func takesNoIdFromWhereARuntimeDoesNotPutIt(path: String) {
        #expect(ContainerID.find(in: Array(path.utf8)) == nil, "\(path)")
    }

    @Test func invalidUTF8AroundTheIdDoesNotHideIt() {
        let path = Array("/system.slice/docker-\(Self.id).scope/\u{1b}bad".utf8) + [0xff, 0xfe]
        #expect(ContainerID.find(in: path) == Array(Self.id.utf8))
    }
}

@Suite struct ProcessContextCodingTests {
    let decoder = JSONLineDecoder()

    func line(_ event: Event) -> String { String(decoding: EventSamples.line(event), as: UTF8.self) }

    @Test func anExecWritesEveryFieldAndReadsItBack() throws {
        let exec = EventSamples.everyKind().first { $0.kind == .exec }!
        let text = line(exec)
        #expect(text.contains(#""auid":1000,"audit_session":3,"tty":"pts/3","cwd":"/srv/with space/bad\u001bdir","exe":"/usr/bin/ls","exe_inode":1835017,"exe_device":"259:2","exe_sha256":"01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da","cgroup":"/system.slice/docker-\#(EventSamples.containerID).scope","container_id":"\#(EventSamples.containerID)","pidns":4026531836,"mntns":4026531841,"netns":4026531840,"userns":4026531837,"nspid":7"#), "\(text)")
        let decoded = try decoder.decode(EventSamples.line(exec))
        #expect(decoded.context == exec.context)
    }

    @Test func unknownFieldsAreNullAndListed() throws {
        var exec = EventSamples.process(.exec, comm: "gone")
        exec.context = ProcessContext()
        exec.unavailable = .context
        let text = line(exec)
        #expect(text.contains(#""auid":null,"audit_session":null,"tty":null,"cwd":null,"exe":null,"exe_inode":null,"exe_device":null,"exe_sha256":null,"cgroup":null,"container_id":null,"pidns":null,"mntns":null,"netns":null,"userns":null"#), "\(text)")
        #expect(!text.contains("\"nspid\":"), "nspid only when it differs from pid")
        #expect(text.contains(#""unavailable":["auid","audit_session","tty","cwd","exe","exe_inode","exe_device","exe_sha256","cgroup","container_id","pidns","mntns","netns","userns","nspid"]}"#), "\(text)")
        let decoded = try decoder.decode(EventSamples.line(exec))
        #expect(decoded.unavailable == .context)
        #expect(decoded.context == ProcessContext())
    }

    @Test func recordsOfOtherKindsAndOlderLogsHaveNoContext() throws {
        let exit = try decoder.decode(EventSamples.line(EventSamples.process(.exit)))
        #expect(exit.context == nil)
        let old = try decoder.decode(#"{"seq":2,"time":"2026-11-18T11:06:40.123456789Z","event":"exec","pid":5,"ppid":1,"comm":"ls","start_time":9,"filename":"/bin/ls","argv":["ls"]}"#)
        #expect(old.context == nil)
        #expect(!line(EventSamples.process(.exit)).contains("cwd"))
    }

    @Test func hostileBytesInPathsRoundTrip() throws {
        var exec = EventSamples.process(.exec, comm: "x")
        var context = ProcessContext()
        context.cwd = Array("/tmp/a b/".utf8) + [0xff, 0x1b, 0x22, 0x5c, 0x0a]
        context.setCgroup(Array("/x\u{202e}y".utf8) + [0x80])
        exec.context = context
        let text = line(exec)
        #expect(text.contains(#""cwd":"/tmp/a b/\udcff\u001b\"\\\n""#), "\(text)")
        #expect(text.contains(#""cgroup":"/x\u202ey\udc80""#), "\(text)")
        #expect(!EventSamples.line(exec).dropLast().contains(0x0a), "one line")
        #expect(try decoder.decode(EventSamples.line(exec)).context == context)
    }

    @Test(arguments: [
        (#""exe_device":"8""#, "exe_device"), (#""exe_device":"8:x""#, "exe_device"),
        (#""exe_device":":1""#, "exe_device"), (#""exe_device":"99999999999:1""#, "exe_device"),
        (#""exe_sha256":"abc""#, "exe_sha256"), (#""exe_sha256":"\#(String(repeating: "g", count: 64))""#, "exe_sha256"),
        (#""auid":4294967296"#, "auid"), (#""pidns":4294967296"#, "pidns"),
    ])
    func malformedValuesAreRefusedNamingTheField(field: String, name: String) {
        let text = #"{"seq":2,"time":"2026-11-18T11:06:40.123456789Z","event":"exec","pid":5,"ppid":1,"comm":"ls","start_time":9,"filename":"/bin/ls","argv":["ls"],"# + field + "}"
        do {
            _ = try decoder.decode(text)
            Issue.record("accepted \(field)")
        } catch {
            #expect("\(error)".contains(name), "\(error)")
        }
    }

    @Test func digestHexRoundTrips() {
        let digest = SHA256Digest(bytes: (0..<32).map { UInt8(255 - $0) })
        #expect(digest.hex.count == 64)
        #expect(digest.hex.hasPrefix("fffefdfc"))
        let back = Array(digest.hex.utf8).withUnsafeBytes { SHA256Digest(hex: $0) }
        #expect(back == digest)
        #expect(digest.bytes == (0..<32).map { UInt8(255 - $0) })
    }

    @Test func deviceNumbersSplitAsGlibcAndTheKernelDo() {
        // makedev(259, 2) and a large minor: glibc's encoding.
        #expect(DeviceNumber(userDev: 0x10302) == DeviceNumber(major: 259, minor: 2))
        #expect(DeviceNumber(userDev: 0x0000_1001_0000_3305) == DeviceNumber(major: 0x1033, minor: 0x100005))
        #expect(DeviceNumber(kernelDev: (259 << 20) | 2) == DeviceNumber(major: 259, minor: 2))
    }
}

@Suite struct TerminalNameTests {
    @Test(arguments: [
        (136, 0, "pts/0"), (136, 3, "pts/3"), (137, 1, "pts/257"), (143, 255, "pts/2047"),
        (4, 1, "tty1"), (4, 0, "tty0"), (4, 63, "tty63"), (4, 64, "ttyS0"), (4, 65, "ttyS1"),
        (5, 0, "tty"), (5, 1, "console"), (5, 2, "ptmx"), (204, 64, "ttyAMA0"), (3, 2, "ttyp2"),
        (188, 0, "188:0"), (4096, 1_048_575, "4096:1048575"),
    ] as [(UInt32, UInt32, String)])
    func namesEachKindOfTerminalAsDevDoes(major: UInt32, minor: UInt32, name: String) {
        #expect(TerminalName.name(of: DeviceNumber(major: major, minor: minor)) == Array(name.utf8))
    }

    @Test func noTerminalIsNil() {
        #expect(TerminalName.name(ttyNumber: 0) == nil)
    }

    @Test func statsTtyNumberIsDecodedAsTheKernelEncodesIt() {
        // new_encode_dev: minor's low byte, major << 8, minor's high bits << 12.
        #expect(TerminalName.name(ttyNumber: (136 << 8) | 5) == Array("pts/5".utf8))
        #expect(TerminalName.name(ttyNumber: 0x0403) == Array("tty3".utf8))
        #expect(TerminalName.name(ttyNumber: (136 << 8) | 0x34 | (0x12 << 20)) == Array("pts/\(0x1234)".utf8))
    }
}
