#!/usr/bin/env python3
"""Start time and memory of two proctrace binaries, side by side (BENCHMARKS.md, "The binary").

Usage: bench-binary.py [--rounds N] NAME=BINARY NAME=BINARY ...

Each round runs every binary once per measurement, alternating, so machine load
falls on all of them alike; medians are printed as a Markdown table.
  version: `proctrace --version`, wall time from spawn to exit, and its peak RSS
           (the dynamic loader, the Swift runtime's start-up, argument parsing).
  record:  `proctrace record --duration 1` (root, BPF): time from spawn until the
           `start` line is read (probes loaded and attached), and peak RSS of the
           whole run (snapshot of every process, one second of events, stop).
"""
import os, statistics, sys, time

RSS_FILE = "/tmp/bench-binary.rss"

def run(argv, until_first_line=False):
    # Peak RSS through GNU time: a child of this process would start its
    # high-water mark at Python's own size; time's is smaller than proctrace's.
    argv = ["/usr/bin/time", "-f", "%M", "-o", RSS_FILE] + argv
    r, w = os.pipe()
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, w, 1),
                                       (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
    os.close(w)
    first = None
    with os.fdopen(r, "rb") as out:
        line = out.readline()
        first = time.perf_counter_ns() - t0
        if until_first_line and not line.startswith(b'{"seq":1,'):
            sys.exit(f"bench-binary: {argv[0]} did not start recording: {line[:200]!r}")
        out.read()
    _, status = os.waitpid(pid, 0)
    end = time.perf_counter_ns() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench-binary: {' '.join(argv)} failed ({status})")
    with open(RSS_FILE) as f:
        rss_kib = int(f.read().split()[-1])
    return (first if until_first_line else end) / 1e6, rss_kib / 1024

def main():
    args = sys.argv[1:]
    rounds = 20
    if args[:1] == ["--rounds"]:
        rounds, args = int(args[1]), args[2:]
    bins = [a.split("=", 1) for a in args]
    if not bins or any(len(b) != 2 or not os.access(b[1], os.X_OK) for b in bins):
        sys.exit(__doc__)
    res = {name: {"version": [], "record": []} for name, _ in bins}
    for _ in range(rounds):
        for name, path in bins:
            res[name]["version"].append(run([path, "--version"]))
        for name, path in bins:
            res[name]["record"].append(run([path, "record", "--config", "/dev/null", "--backend", "bpf",
                                            "--duration", "1"], until_first_line=True))
    print(f"| binary | size | `--version`: wall ms | `--version`: peak RSS MiB "
          f"| `record`: ms to `start` | `record --duration 1`: peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, path in bins:
        med = lambda k, i: statistics.median(x[i] for x in res[name][k])
        print(f"| {name} | {os.path.getsize(path) / 2**20:.1f} MiB | {med('version', 0):.1f} | "
              f"{med('version', 1):.1f} | {med('record', 0):.1f} | {med('record', 1):.1f} |")
    print(f"\nmedians of {rounds} alternating rounds; load average {os.getloadavg()[0]:.2f}")

main()
