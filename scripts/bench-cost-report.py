#!/usr/bin/env python3
"""Markdown tables from scripts/bench-cost.sh's results (medians over rounds).

  bench-cost-report.py .build/bench/cost.jsonl
"""
import json
import statistics
import sys


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def mib(kib):
    return f"{kib / 1024:.1f}" if kib is not None else "–"


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    env = next((r for r in rows if r.get("kind") == "env"), {})
    loads = [r["load"] for r in rows if "load" in r]
    print(f"Measured {env.get('date')} on `{env.get('host')}`: {env.get('cpu')}, {env.get('cpus')} CPUs, "
          f"kernel {env.get('kernel')}, proctrace {env.get('commit')}; load {loads[0] if loads else '?'} – "
          f"{loads[-1] if loads else '?'}.\n")
    memory(rows)
    cpu(rows)
    bpf(rows)
    report(rows)


def memory(rows):
    by = {}
    for r in rows:
        if r.get("kind") == "memory" and "failed" not in r:
            by.setdefault(r["tracer"], []).append(r)
    if not by:
        return
    print("### Memory: idle (2 s after start) and peak after a fork+exec storm, median of rounds\n")
    print("| tracer | rounds | RSS idle MiB | of which private (RssAnon) | of which file and shared (RssFile: binary, libraries, ring) | peak RSS (VmHWM) MiB | RssAnon after the storm | idle RSS per round |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, rs in by.items():
        print(f"| {name} | {len(rs)} | {mib(median([r['idle_kib'] for r in rs]))} | "
              f"{mib(median([r['idle_anon_kib'] for r in rs]))} | {mib(median([r['idle_file_kib'] for r in rs]))} | "
              f"{mib(median([r['peak_kib'] for r in rs]))} | {mib(median([r['anon_after_storm_kib'] for r in rs]))} | "
              f"{', '.join(mib(r['idle_kib']) for r in rs)} |")
    print()


def cpu(rows):
    by = {}
    for r in rows:
        if r.get("kind") == "cpu":
            by.setdefault(r["feature"], []).append(r)
    if not by:
        return
    print("### CPU per 1,000 records written, per feature (recorder threads' CPU during a fork+exec storm), median of rounds\n")
    print("| feature | rounds | **recorder ms per 1,000 records written** | records written per round (the generator's: 4 a process) | per-round ms per 1,000 records | recorder ms per 1,000 generator processes | rate /s |")
    print("|---|---:|---:|---:|---|---:|---:|")
    for name, rs in by.items():
        per_record = [r["recorder_ns"] / r["records"] / 1000 for r in rs if r.get("records")]
        per_process = [r["recorder_ns"] / r["processes"] / 1000 for r in rs]
        rate = median([r["generator"].get("rate") for r in rs])
        shown = f"**{median(per_record):.2f}**" if per_record else "–"
        counts = ", ".join("{:,}".format(r.get("records", 0)) for r in rs)
        print(f"| {name} | {len(rs)} | {shown} | {counts} | "
              f"{', '.join(f'{x:.2f}' for x in per_record)} | {median(per_process):.2f} | {rate:,.0f} |")
    print()


def bpf(rows):
    by = {}
    refused = set()
    for r in rows:
        if r.get("kind") == "bpf":
            if r.get("refused") or not r.get("bpf") or "sched_mode_switch" in r["bpf"] and r["hooks"] != "sched":
                refused.add(r["hooks"])
                continue
            by.setdefault((r["hooks"], r["storm"]), []).append(r)
    if not by and not refused:
        return
    print("### BPF run time per hook mode (kernel.bpf_stats_enabled), summed over rounds\n")
    if refused:
        print(f"Refused by this kernel: {', '.join(sorted(refused))}.\n")
    print("Every program runs for every process on the machine, not only the generator's: ns per run is the")
    print("program's cost; runs per generator process is inflated by whatever else ran meanwhile.\n")
    print("| hooks | storm | generator processes | programs: ns per run (runs per generator process) |")
    print("|---|---|---:|---|")
    for (hooks, storm), rs in by.items():
        count = sum(r["count"] for r in rs)
        names = {}
        for r in rs:
            for name, (t, c) in r["bpf"].items():
                total_t, total_c = names.get(name, (0, 0))
                names[name] = (total_t + t, total_c + c)
        shown = "; ".join(f"{n} {t / c:.0f} ({c / count:.2f})" for n, (t, c) in
                          sorted(names.items(), key=lambda kv: -kv[1][0]) if c)
        print(f"| {hooks} | {storm} | {count:,} | {shown} |")
    print()


def report(rows):
    by = {}
    for r in rows:
        if r.get("kind") == "report":
            by.setdefault(r["side"], []).append(r)
    if not by:
        return
    records = next(iter(by.values()))[0]["recording"].get("records")
    print(f"### `proctrace report` of a {records:,}-record recording, median of rounds\n")
    print("| proctrace | rounds | wall s | user + sys s | peak RSS MiB | page bytes | per-round wall s |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for side, rs in by.items():
        print(f"| {side} | {len(rs)} | {median([r['wall_ms'] / 1000 for r in rs]):.2f} | "
              f"{median([r['user_s'] + r['sys_s'] for r in rs]):.2f} | {mib(median([r['hwm_kib'] for r in rs]))} | "
              f"{rs[0]['bytes']:,} | {', '.join('%.2f' % (r['wall_ms'] / 1000) for r in rs)} |")
    print()


if __name__ == "__main__":
    main(sys.argv[1])
