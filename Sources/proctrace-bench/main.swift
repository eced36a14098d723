// proctrace-bench: user-space throughput and memory of proctrace, without a kernel.
//
//   proctrace-bench consumer [--processes N] [--rounds R]
//   proctrace-bench replay   [--processes N] [--rounds R] [--file LOG]
//   proctrace-bench tree-memory [--live N]
//   proctrace-bench churn    [--seconds S] [--live N]
//   proctrace-bench write-log --output LOG [--processes N]   # the replay benchmark's log, as a file
//   (consumer and write-log take --seal-dir DIR: sealed, with DIR/seal.key and DIR/verification.key made for it)
//   proctrace-bench sha256   --file FILE [--rounds R]    # exe_sha256's hashing: 1 MiB preads into libcrypto
//   proctrace-bench schema   [--processes N] [--rounds R]  # an ECS or OCSF output's cost (--format), per 1,000 records
//
// Each prints one JSON line. Run it pinned to one core (taskset -c 1) for
// single-core figures; `make bench` does.
#if canImport(Glibc)
import Glibc
#endif
import ProcTraceCore
import ProcTraceLinux
import ProcTraceTestSupport

// MARK: - Measuring

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// VmRSS and VmHWM of this process, in KiB.
func memoryKiB() -> (rss: Int, hwm: Int) {
    let fd = open("/proc/self/status", O_RDONLY)
    guard fd >= 0 else { return (0, 0) }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 8192)
    let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return (0, 0) }
    let text = String(decoding: bytes[0..<count], as: UTF8.self)
    func field(_ name: String) -> Int {
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return Int(line.dropFirst(name.count).filter { $0.isNumber }) ?? 0
        }
        return 0
    }
    return (field("VmRSS:"), field("VmHWM:"))
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return "\(rounded)"
}

// MARK: - Realistic kernel records

/// Raw ring-buffer records as the BPF side lays them out, each padded to 8
/// bytes as in the ring (libbpf hands the consumer each record separately).
struct RecordStream {
    var bytes: [UInt8] = []
    var offsets: [Int] = []
    var sizes: [Int] = []

    mutating func add(_ record: [UInt8]) {
        offsets.append(bytes.count)
        sizes.append(record.count)
        bytes.append(contentsOf: record)
        let padding = (8 - record.count % 8) % 8
        bytes.append(contentsOf: repeatElement(0, count: padding))
    }

    var count: Int { offsets.count }
}

/// Command lines of the kind a build or a shell storm execs.
let programs: [(String, [String])] = [
    ("/bin/true", ["/bin/true"]),
    ("/usr/bin/cc", ["cc", "-O2", "-g", "-Wall", "-Wextra", "-I", "include", "-I", "/usr/include/bpf",
                     "-D_GNU_SOURCE", "-DNDEBUG", "-fPIC", "-c", "src/module/file.c", "-o", "build/module/file.o"]),
    ("/usr/bin/git", ["git", "rev-parse", "--abbrev-ref", "HEAD"]),
    ("/usr/bin/sed", ["sed", "-e", "s/x86_64/x86/", "-e", "s/aarch64/arm64/"]),
]

/// The records of `count` short-lived processes, forked by two parents (like
/// loadgen's workers): fork, exec with a marker argument, exit, reap. PIDs
/// advance and wrap as the kernel's do, so the tree sees PID reuse.
func makeStorm(processes count: Int, firstPid: Int = 3000, parents: [UInt32] = [2001, 2002],
               time: inout UInt64) -> RecordStream {
    var stream = RecordStream()
    let pidSpan = 60_000
    for n in 0..<count {
        let pid = UInt32(firstPid + n % pidSpan)
        let parent = parents[n % parents.count]
        time += 1_000
        let start = time
        stream.add(KernelRecordBuilder.fork(pid: pid, ppid: parent, startTime: start, time: time, comm: "loadgen"))
        let (filename, arguments) = programs[n % programs.count]
        time += 50_000
        stream.add(KernelRecordBuilder.exec(pid: pid, ppid: parent, startTime: start, time: time, filename: filename,
                                            arguments: arguments + ["pt-mark-bench-\(n % 2)-\(n)"]))
        time += 400_000
        stream.add(KernelRecordBuilder.exit(pid: pid, ppid: parent, startTime: start, time: time, status: 0,
                                            comm: String(filename.split(separator: "/").last ?? "")))
        time += 20_000
        stream.add(KernelRecordBuilder.reap(pid: pid, startTime: start, time: time, reaper: parent))
    }
    return stream
}

/// Delivers records from memory as the BPF source does: decode, then hand over
/// (`batch` records per poll, as a 256 KiB wake-up would).
final class MemoryRecordSource: EventSource {
    let backendName = "memory"
    private(set) var counters = SourceCounters()
    private let stream: RecordStream
    private var next = 0
    private let batch: Int
    private let decoder = KernelRecordDecoder(bootToEpochOffset: 1_700_000_000_000_000_000)

    init(stream: RecordStream, batch: Int = 2_000) {
        self.stream = stream
        self.batch = batch
    }

    var isDrained: Bool { next >= stream.count }
    func rewind() { next = 0 }

    func snapshot() throws -> [Event] { [] }

    func poll(timeoutMilliseconds: Int32, deliver: (inout Event) -> Void) throws -> Int {
        let end = min(next + batch, stream.count)
        let first = next
        stream.bytes.withUnsafeBytes { raw in
            for index in first..<end {
                let offset = stream.offsets[index]
                let record = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + stream.sizes[index])])
                do {
                    var event = try decoder.decode(record)
                    counters.received += 1
                    deliver(&event)
                } catch {
                    counters.malformed += 1
                }
            }
        }
        next = end
        return end - first
    }

    func close() {}
}

/// The pipeline `proctrace record` runs (tree, re-parenting, JSON, buffered
/// write), writing into `sink`, with the two storm parents already known.
func makeRecorder(source: EventSource, sink: LogSink, sealer: StreamSealer? = nil) throws -> Recorder {
    let recorder = Recorder(source: source, sink: sink, parents: FakeParentLookup(), sealer: sealer)
    try recorder.start(StreamInfo(backend: "memory", host: "bench", bootID: "00000000-0000-0000-0000-000000000000",
                                  kernel: "bench", proctraceVersion: ProcTraceVersion.current, recorderPid: 1),
                       time: 1_700_000_000_000_000_000)
    var snapshot: [Event] = []
    for (pid, ppid) in [(Int32(2000), Int32(1)), (2001, 2000), (2002, 2000)] {
        var exists = Event(kind: .exists, time: 1_700_000_000_000_000_000, pid: pid, ppid: ppid, startTime: UInt64(pid))
        exists.comm = Comm("loadgen")
        exists.filename = Array("/work/loadgen".utf8)
        exists.argv = ArgumentVector(strings: ["loadgen", "--mode", "forkexec"])
        snapshot.append(exists)
    }
    try recorder.record(snapshot: snapshot)
    return recorder
}

// MARK: - Commands

struct Options {
    var values: [String: String] = [:]
    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard name.hasPrefix("--"), let value = iterator.next() else {
                HostInfo.standardError("proctrace-bench: bad argument \(name)")
                exit(2)
            }
            values[String(name.dropFirst(2))] = value
        }
    }
    func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap { Int($0) } ?? fallback }
    func string(_ name: String) -> String? { values[name] }
}

/// A key state in `directory` (and its verification key beside it) for the
/// generated storm's times (from 2023-11-14), and a sealer whose clock runs
/// from there a millisecond per reading (15-minute intervals: a seal now and then).
func makeSealer(directory: String?) throws -> RecordSealer? {
    guard let directory else { return nil }
    let start: Int64 = 1_699_999_000
    let key = try SealKeySchedule.randomKey()
    let verification = SealVerificationKey(initialKey: key, schedule: SealSchedule(start: start, intervalSeconds: 900))
    let path = directory + "/seal.key"
    unlink(path)
    let file = try SealKeyFile(path: path)
    try file.store(SealKeyState(keyID: verification.keyID, schedule: verification.schedule, interval: 0, key: key, lastMAC: nil))
    guard let out = fopen(directory + "/verification.key", "w") else { throw SystemCallError("fopen", directory, errno: errno) }
    fputs(verification.text + "\n", out)
    fclose(out)
    var now: Int64 = 1_700_000_000_000_000_000
    return try RecordSealer(file: file, clock: {
        now += 1_000_000
        return now
    })
}

/// decode → tree → JSON → buffered write, and each stage's share.
func consumer(_ options: Options) throws {
    let processes = options.int("processes", 250_000)
    let rounds = options.int("rounds", 5)
    // --stages pipeline: only the whole pipeline (for profiling).
    let allStages = options.string("stages") != "pipeline"
    var time: UInt64 = 1_000_000_000
    let stream = makeStorm(processes: processes, time: &time)
    let records = Double(stream.count)

    var decodeOnly: [Double] = []
    var decodeTree: [Double] = []
    var full: [Double] = []
    var bytesOut = 0
    for _ in 0..<rounds {
        let source = MemoryRecordSource(stream: stream)
        if allStages {
        // Decode only.
        var sum = 0
        var began = monotonicSeconds()
        while !source.isDrained { _ = try source.poll(timeoutMilliseconds: 0) { sum &+= Int($0.pid) } }
        decodeOnly.append(records / (monotonicSeconds() - began))
        if sum == 42 { print("") }

        // Decode + tree.
        source.rewind()
        let tree = ProcessTree()
        began = monotonicSeconds()
        while !source.isDrained { _ = try source.poll(timeoutMilliseconds: 0) { tree.apply(&$0) } }
        decodeTree.append(records / (monotonicSeconds() - began))
        }

        // The whole record pipeline.
        source.rewind()
        let sink = DiscardingSink()
        let sealer = try makeSealer(directory: options.string("seal-dir"))
        let recorder = try makeRecorder(source: source, sink: sink, sealer: sealer)
        let began = monotonicSeconds()
        while !source.isDrained { try recorder.pump(timeoutMilliseconds: 0) }
        try recorder.flush()
        full.append(records / (monotonicSeconds() - began))
        bytesOut = sink.byteCount
        sealer?.close()
    }
    let memory = memoryKiB()
    print("{\"bench\":\"consumer\",\"sealed\":\(options.string("seal-dir") != nil),\"records\":\(stream.count),\"rounds\":\(rounds),"
        + "\"raw_bytes_per_record\":\(format(Double(stream.bytes.count) / records)),"
        + "\"json_bytes_per_record\":\(format(Double(bytesOut) / records)),"
        + "\"decode_records_per_s\":\(Int(median(decodeOnly))),"
        + "\"decode_tree_records_per_s\":\(Int(median(decodeTree))),"
        + "\"pipeline_records_per_s\":\(Int(median(full))),"
        + "\"pipeline_runs\":[\(full.map { String(Int($0)) }.joined(separator: ","))],"
        + "\"vm_hwm_kib\":\(memory.hwm)}")
}

/// The log `replay` reads from memory when given no file (the record
/// pipeline's output for a generated storm), so the read commands can be timed on it.
func generatedLog(processes: Int, sealDirectory: String? = nil) throws -> [UInt8] {
    var time: UInt64 = 1_000_000_000
    let stream = makeStorm(processes: processes, time: &time)
    let source = MemoryRecordSource(stream: stream)
    let sink = MemorySink()
    let sealer = try makeSealer(directory: sealDirectory)
    let recorder = try makeRecorder(source: source, sink: sink, sealer: sealer)
    while !source.isDrained { try recorder.pump(timeoutMilliseconds: 0) }
    try recorder.finish(time: 1_800_000_000_000_000_000)
    sealer?.close()
    return sink.bytes
}

func writeLog(_ options: Options) throws {
    guard let path = options.string("output") else {
        HostInfo.standardError("proctrace-bench write-log: --output FILE is required")
        exit(2)
    }
    let log = try generatedLog(processes: options.int("processes", 250_000), sealDirectory: options.string("seal-dir"))
    guard let file = fopen(path, "w"), fwrite(log, 1, log.count, file) == log.count, fclose(file) == 0 else {
        HostInfo.standardError("proctrace-bench: cannot write \(path)")
        exit(1)
    }
    print("{\"bench\":\"write-log\",\"output\":\"\(path)\",\"bytes\":\(log.count)}")
}

/// Reading a log back: JSON decode → tree → filter, from memory.
func replay(_ options: Options) throws {
    let rounds = options.int("rounds", 5)
    var log: [UInt8]
    var origin: String
    if let path = options.string("file") {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { HostInfo.standardError("proctrace-bench: cannot open \(path)"); exit(1) }
        var st = stat()
        fstat(fd, &st)
        log = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < log.count {
            let n = log.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { break }
            done += n
        }
        close(fd)
        log.removeSubrange(done...)
        origin = path
    } else {
        log = try generatedLog(processes: options.int("processes", 250_000))
        origin = "generated storm"
    }
    var rates: [Double] = []
    var lines = 0
    for _ in 0..<rounds {
        let replayer = LogReplayer()
        var kept = 0
        let began = monotonicSeconds()
        lines = try log.withUnsafeBytes { try replayer.replay(lines: $0) { _ in kept += 1 } }
        rates.append(Double(lines) / (monotonicSeconds() - began))
    }
    print("{\"bench\":\"replay\",\"source\":\"\(origin)\",\"records\":\(lines),\"bytes\":\(log.count),"
        + "\"rounds\":\(rounds),\"records_per_s\":\(Int(median(rates))),"
        + "\"runs\":[\(rates.map { String(Int($0)) }.joined(separator: ","))]}")
}

/// What an output in ECS or OCSF costs (`--format`): the FormattingSink's
/// work on the consumer's log (read each line back, replay the tree, write
/// the foreign line), in batches as the Recorder hands them over.
func schema(_ options: Options) throws {
    let rounds = options.int("rounds", 5)
    let log = try generatedLog(processes: options.int("processes", 100_000))
    var records = 0
    for byte in log where byte == 0x0a { records += 1 }
    var results: [String] = []
    for schema in [OutputFormat.ecs, .ocsf] {
        var costs: [Double] = []
        var bytesOut = 0
        for _ in 0..<rounds {
            let sink = DiscardingSink()
            let formatting = FormattingSink(sink, format: schema)
            let began = cpuSeconds()
            try log.withUnsafeBytes { all in
                var start = 0
                while start < all.count {
                    var end = min(start + 256 * 1024, all.count)
                    while end < all.count, all[end - 1] != 0x0a { end += 1 }
                    try formatting.write(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                    start = end
                }
            }
            costs.append((cpuSeconds() - began) / Double(records) * 1e9 * 1000)
            bytesOut = sink.byteCount
        }
        results.append("\"\(schema.rawValue)_cpu_ns_per_1000_records\":\(Int(median(costs))),"
            + "\"\(schema.rawValue)_bytes_per_record\":\(format(Double(bytesOut) / Double(records)))")
    }
    print("{\"bench\":\"schema\",\"records\":\(records),\"rounds\":\(rounds),"
        + "\"native_bytes_per_record\":\(format(Double(log.count) / Double(records))),\(results.joined(separator: ","))}")
}

/// RSS with N live processes in the tree, each forked and exec'd with a realistic argv.
func treeMemory(_ options: Options) throws {
    let live = options.int("live", 100_000)
    let before = memoryKiB()
    let source = MemoryRecordSource(stream: RecordStream())
    let recorder = try makeRecorder(source: source, sink: DiscardingSink())
    var time: UInt64 = 1_000_000_000
    // Built and applied in slices so the raw records do not count towards RSS.
    var made = 0
    while made < live {
        let slice = min(10_000, live - made)
        var stream = RecordStream()
        for n in made..<(made + slice) {
            let pid = UInt32(3000 + n)
            let parent: UInt32 = n < 2 ? 2001 : UInt32(3000 + n / 2 - 1) // a realistic, deep-and-wide tree
            time += 1_000
            stream.add(KernelRecordBuilder.fork(pid: pid, ppid: parent, startTime: time, time: time, comm: "bash"))
            let (filename, arguments) = programs[1 + n % (programs.count - 1)]
            stream.add(KernelRecordBuilder.exec(pid: pid, ppid: parent, startTime: time, time: time + 10,
                                                filename: filename, arguments: arguments + ["pt-live-\(n)"]))
        }
        stream.bytes.withUnsafeBytes { raw in
            let decoder = KernelRecordDecoder(bootToEpochOffset: 1_700_000_000_000_000_000)
            for index in 0..<stream.count {
                let offset = stream.offsets[index]
                if var event = try? decoder.decode(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + stream.sizes[index])])) {
                    recorder.process(&event)
                }
            }
        }
        made += slice
    }
    try recorder.flush()
    let after = memoryKiB()
    let perProcess = Double(after.rss - before.rss) * 1024 / Double(live)
    print("{\"bench\":\"tree-memory\",\"live\":\(recorder.tree.count),\"rss_before_kib\":\(before.rss),"
        + "\"rss_after_kib\":\(after.rss),\"vm_hwm_kib\":\(after.hwm),"
        + "\"bytes_per_process\":\(Int(perProcess))}")
}

/// fork/exec/exit/reap churn through the whole pipeline, RSS sampled over time.
func churn(_ options: Options) throws {
    let seconds = Double(options.int("seconds", 120))
    let live = options.int("live", 2_000)
    var time: UInt64 = 1_000_000_000
    // One storm of 100,000 processes replayed with ever newer times and PIDs.
    let base = makeStorm(processes: 100_000, firstPid: 3000 + live, time: &time)
    let source = MemoryRecordSource(stream: base)
    let recorder = try makeRecorder(source: source, sink: DiscardingSink())
    // A standing population of live processes.
    var standing = RecordStream()
    for n in 0..<live {
        time += 1_000
        standing.add(KernelRecordBuilder.fork(pid: UInt32(3000 + n), ppid: 2001, startTime: time, time: time, comm: "sleep"))
    }
    let standingSource = MemoryRecordSource(stream: standing, batch: live)
    _ = try standingSource.poll(timeoutMilliseconds: 0) { recorder.process(&$0) }

    let began = monotonicSeconds()
    var samples: [(Double, Int, Int)] = []
    var nextSample = 0.0
    var records = 0
    while true {
        let now = monotonicSeconds() - began
        if now >= nextSample {
            samples.append((now, memoryKiB().rss, recorder.tree.count))
            nextSample += seconds / 4
        }
        if now >= seconds { break }
        // Every process in the storm is reaped by its end, so replaying it
        // again is new processes to the tree (the same PIDs and start times).
        if source.isDrained { source.rewind() }
        records += try recorder.pump(timeoutMilliseconds: 0)
    }
    let cpu = cpuSeconds()
    let list = samples.map { "{\"t\":\(format($0.0)),\"rss_kib\":\($0.1),\"live\":\($0.2)}" }.joined(separator: ",")
    print("{\"bench\":\"churn\",\"seconds\":\(format(seconds)),\"records\":\(records),\"processes\":\(records / 4),"
        + "\"records_per_s\":\(Int(Double(records) / seconds)),\"cpu_s\":\(format(cpu, 2)),\"samples\":[\(list)]}")
}

/// SHA-256 of a file as the recorder hashes an executable (VerifiedFileHasher): 1 MiB `pread`s
/// into one buffer, each fed to libcrypto. Keep the file in the page cache to measure the hash, not the disk.
func sha256(_ options: Options) throws {
    guard let path = options.string("file") else {
        HostInfo.standardError("proctrace-bench: sha256 needs --file FILE")
        exit(2)
    }
    let rounds = options.int("rounds", 10)
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        HostInfo.standardError("proctrace-bench: \(path): cannot open")
        exit(1)
    }
    defer { close(fd) }
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { chunk.deallocate() }
    var rates: [Double] = []
    var digest = ""
    var bytes = 0
    for _ in 0..<rounds {
        var hasher = SHA256Hasher()
        var offset: off_t = 0
        let began = monotonicSeconds()
        while true {
            let n = pread(fd, chunk.baseAddress, chunk.count, offset)
            guard n >= 0 else {
                HostInfo.standardError("proctrace-bench: \(path): read failed")
                exit(1)
            }
            if n == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
            offset += off_t(n)
        }
        digest = hasher.finalize().hex
        rates.append(Double(offset) / 1_048_576 / (monotonicSeconds() - began))
        bytes = Int(offset)
    }
    print("{\"bench\":\"sha256\",\"hasher\":\"libcrypto\",\"bytes\":\(bytes),\"rounds\":\(rounds),"
        + "\"mib_per_s\":\(Int(median(rates))),\"sha256\":\"\(digest)\","
        + "\"runs\":[\(rates.map { String(Int($0)) }.joined(separator: ","))]}")
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    HostInfo.standardError("usage: proctrace-bench consumer|replay|tree-memory|churn|write-log|sha256|schema [--option value]...")
    exit(2)
}
let options = Options(arguments.dropFirst(2))
switch arguments[1] {
case "consumer": try consumer(options)
case "replay": try replay(options)
case "tree-memory": try treeMemory(options)
case "churn": try churn(options)
case "write-log": try writeLog(options)
case "sha256": try sha256(options)
case "schema": try schema(options)
default:
    HostInfo.standardError("proctrace-bench: unknown benchmark \(arguments[1])")
    exit(2)
}
