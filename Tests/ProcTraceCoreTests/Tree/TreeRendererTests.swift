import ProcTraceCore
import ProcTraceTestSupport
import Testing

@Suite struct TreeRendererTests {
    private static let second: Int64 = 1_000_000_000
    private static let names: [UInt32: String] = [0: "root", 1000: "alice"]

    /// init ─ sshd ─ bash(alice) ─ { vim, make <zombie> }, and a second root.
    private func sampleTree() -> ProcessTree {
        let tree = ProcessTree()
        tree.apply([
            E.exists(1, ppid: 0, start: 1, comm: "init", argv: ["/sbin/init"]),
            E.exists(2, ppid: 0, start: 2, comm: "kthreadd"),
            E.exists(612, ppid: 1, start: 600, comm: "sshd", argv: ["sshd:", "alice"]),
            E.exists(4410, ppid: 612, start: 4_000, comm: "bash", uid: 1000, argv: ["-bash"]),
            E.exists(4500, ppid: 4410, start: 4_500, comm: "vim", uid: 1000, argv: ["vim", "notes.txt"]),
            E.exists(980, ppid: 4410, start: 4_600, comm: "make", uid: 1000, argv: ["make", "-j4"]),
            E.exit(980, ppid: 4410, start: 4_600, status: WaitStatus(exitCode: 2), at: 100 * Self.second),
        ])
        return tree
    }

    @Test func textLooksLikePstree() {
        let tree = sampleTree()
        let renderer = TreeTextRenderer(now: 112 * Self.second + 400_000_000) { Self.names[$0] }
        #expect(renderer.render(tree.roots) == """
            1 init (root)
            └─ 612 sshd
               └─ 4410 bash (alice)
                  ├─ 980 make <zombie 12s>
                  └─ 4500 vim
            2 kthreadd (root)

            """)
    }

    @Test func textWithArgumentsForOneSubtree() throws {
        let tree = sampleTree()
        var renderer = TreeTextRenderer(now: 400 * Self.second, showArguments: true)
        renderer.userName = { _ in nil }
        #expect(renderer.render([try #require(tree[4410])]) == """
            4410 bash (1000): -bash
            ├─ 980 make <zombie 5m00s>: make -j4
            └─ 4500 vim: vim notes.txt

            """)
    }

    @Test func hostileNamesAndArgumentsAreEscapedNeverRaw() {
        let tree = ProcessTree()
        var event = E.exists(66, ppid: 0, start: 1, argv: [])
        event.comm = Comm([0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x41, 0xff]) // ESC [ 2 J, newline, 'A', invalid UTF-8
        event.argv = ArgumentVector([
            Array("rm".utf8), [0x1b] + Array("]0;owned\u{7}".utf8), Array("it's".utf8), [0xc3], Array("a b".utf8),
            Array("\u{202e}txt.exe".utf8),
        ])
        tree.apply(&event)

        let text = TreeTextRenderer(now: 0, showArguments: true).render(tree.roots)
        #expect(text == #"66 \e[2J\nA\xff (0): rm $'\e]0;owned\x07' $'it\'s' $'\xc3' 'a b' $'\u{202e}txt.exe'"# + "\n")
        #expect(!text.utf8.contains(0x1b))
        #expect(text.utf8.filter { $0 == 0x0a }.count == 1)

        let json = String(decoding: TreeJSONRenderer(showArguments: true).render(tree.roots), as: UTF8.self)
        #expect(json == #"[{"pid":66,"ppid":0,"comm":"\u001b[2J\nA\udcff","state":"S","start_time":1,"uid":0,"euid":0,"#
            + #""filename":null,"argv":["rm","\u001b]0;owned\u0007","it's","\udcc3","a b","\u202etxt.exe"],"#
            + #""argv_truncated":false,"children":[]}]"# + "\n")
    }

    @Test func jsonNestsChildrenUnderEachRoot() {
        let tree = sampleTree()
        let json = String(decoding: TreeJSONRenderer { Self.names[$0] }.render(tree.roots), as: UTF8.self)
        #expect(json == """
            [{"pid":1,"ppid":0,"comm":"init","state":"S","start_time":1,"uid":0,"euid":0,"user":"root","children":[\
            {"pid":612,"ppid":1,"comm":"sshd","state":"S","start_time":600,"uid":0,"euid":0,"user":"root","children":[\
            {"pid":4410,"ppid":612,"comm":"bash","state":"S","start_time":4000,"uid":1000,"euid":1000,"user":"alice","children":[\
            {"pid":980,"ppid":4410,"comm":"make","state":"Z","start_time":4600,"uid":1000,"euid":1000,"user":"alice",\
            "exit_time":"1970-01-01T00:01:40.000000000Z","exit_code":2,"signal":null,"core_dumped":false,"children":[]},\
            {"pid":4500,"ppid":4410,"comm":"vim","state":"S","start_time":4500,"uid":1000,"euid":1000,"user":"alice","children":[]}]}]}]},\
            {"pid":2,"ppid":0,"comm":"kthreadd","state":"S","start_time":2,"uid":0,"euid":0,"user":"root","children":[]}]

            """)
    }

    @Test func aDeepForkChainRendersWithoutOverflowingTheStack() {
        let tree = ProcessTree()
        for pid in Int32(1)...100_000 {
            tree.apply([E.fork(pid, ppid: pid - 1, start: UInt64(pid))])
        }
        let json = TreeJSONRenderer().render(tree.roots)
        #expect(json.filter { $0 == UInt8(ascii: "{") }.count == 100_000)
        // Text indents at most 64 levels and writes the depth beyond: its size grows with the length of the chain.
        let text = TreeTextRenderer(now: 0).render(tree.roots)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 100_000)
        #expect(text.utf8.count < 100_000 * 400, "\(text.utf8.count) bytes for 100,000 processes")
        #expect(lines.last!.hasSuffix("└─ [depth 99999] 100000 p100000"))
        #expect(lines[64].hasSuffix("└─ 65 p65") && lines[65].hasSuffix("└─ [depth 65] 66 p66"))
    }

    @Test func argumentsShowWhereAndWhoWhenTheyDifferFromTheParent() {
        let tree = ProcessTree()
        func exec(_ pid: Int32, ppid: Int32, cwd: String, tty: String?, auid: UInt32?, cgroup: String) {
            var fork = EventSamples.process(.fork, pid: pid, ppid: ppid, comm: "sh")
            tree.apply(&fork)
            var event = EventSamples.process(.exec, pid: pid, ppid: ppid, comm: "sh")
            event.argv = ArgumentVector(strings: ["sh"])
            var context = ProcessContext()
            context.cwd = Array(cwd.utf8)
            context.tty = tty.map { Array($0.utf8) }
            context.auid = auid
            context.setCgroup(Array(cgroup.utf8))
            event.context = context
            tree.apply(&event)
        }
        exec(10, ppid: 1, cwd: "/root", tty: "pts/1", auid: 1000, cgroup: "/user.slice")
        exec(11, ppid: 10, cwd: "/root", tty: "pts/1", auid: 1000, cgroup: "/user.slice")
        exec(12, ppid: 10, cwd: "/srv/a b", tty: nil, auid: 1000, cgroup: "/docker/\(EventSamples.containerID)")
        let text = TreeTextRenderer(now: 0, showArguments: true).render(tree.roots)
        #expect(text.contains("10 sh: sh [cwd=/root tty=pts/1 auid=1000]"), "\(text)")
        #expect(text.contains("11 sh: sh\n") || text.hasSuffix("11 sh: sh"), "nothing differs from its parent: \(text)")
        #expect(text.contains("12 sh: sh [cwd='/srv/a b' container=4f3c2b1a09e8]"), "\(text)")
        #expect(!TreeTextRenderer(now: 0).render(tree.roots).contains("cwd="), "only with --args")
    }
}
