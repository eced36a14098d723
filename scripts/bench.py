#!/usr/bin/env python3
"""Helpers for scripts/bench.sh (`make bench`).

  bench.py capture LOG LOADGEN_JSON [untraced-threads]
                                      count what a recording caught of one loadgen run
                                      (untraced-threads: a threads run recorded without
                                      --threads, so no thread records are expected)
  bench.py env                        the machine, the kernel and the commit, as JSON
  bench.py bpf-progs                  id:name of the tracing BPF programs loaded now (tax bench)
  bench.py progstats                  run time and run count of the newest loaded proctrace
                                      programs (kernel.bpf_stats_enabled=1), as JSON
  bench.py report RESULTS BENCHMARKS  render results (JSON Lines) as Markdown, print it,
                                      and put it in BENCHMARKS.md between the markers
  bench.py tax-tracer NAME COMMAND HOOKS MEASURED STARTED OUTPUT ERRORS
                                      a tracer's row for the tax (what it hooks, or why it did not start)
  bench.py tax-guest SERIAL_LOG LOAD  the tax rows of one guest of scripts/qemu/bench-kernels.sh
  bench.py tax-report RESULTS BENCHMARKS
                                      the same for the system-call tax rows
                                      (scripts/bench-syscall-tax.sh), between the tax markers
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time

BEGIN = "<!-- bench:begin (written by make bench; edits here are replaced) -->"
END = "<!-- bench:end -->"
TAX_BEGIN = "<!-- tax:begin (written by make bench, phase tax; edits here are replaced) -->"
TAX_END = "<!-- tax:end -->"


def capture(log_path, loadgen_json, threads_traced=True):
    gen = json.loads(loadgen_json)
    workers = set(gen["worker_pids"])
    marker = f"pt-mark-{gen['run']}-"
    forks = exits = reaps = threads_started = threads_exited = 0
    markers = set()
    lost_sum = 0
    lost_records = 0
    stop = None
    seqs_ok = True
    last_seq = 0
    first_lost_seq = None
    after_lost = 0
    total = 0
    with open(log_path, "rb") as f:
        for raw in f:
            total += 1
            r = json.loads(raw)
            seq = r["seq"]
            if seq != last_seq + 1:
                seqs_ok = False
            last_seq = seq
            kind = r["event"]
            mine = False
            if kind == "fork" and r["ppid"] in workers:
                forks += 1
                mine = True
            elif kind == "exec":
                for arg in r.get("argv") or []:
                    if arg.startswith(marker):
                        markers.add(arg)
                        mine = True
            elif kind == "exit" and r["ppid"] in workers:
                exits += 1
                mine = True
            elif kind == "reap" and (r.get("reaper") in workers or r["ppid"] in workers):
                reaps += 1
                mine = True
            elif kind == "thread_start" and r["pid"] in workers:
                threads_started += 1
                mine = True
            elif kind == "thread_exit" and r["pid"] in workers:
                threads_exited += 1
                mine = True
            elif kind == "lost":
                lost_sum += r["count"] or 0
                lost_records += 1
                if first_lost_seq is None:
                    first_lost_seq = seq
            elif kind == "stop":
                stop = r
            if mine and first_lost_seq is not None:
                after_lost += 1
    generated = gen["generated"]
    mode = gen["mode"]
    if mode == "threads":
        wanted = generated if threads_traced else 0
        expected = {"thread_start": wanted, "thread_exit": wanted}
        caught = {"thread_start": threads_started, "thread_exit": threads_exited}
    else:
        expected = {"fork": generated, "exit": generated, "reap": generated}
        caught = {"fork": forks, "exit": exits, "reap": reaps}
        if mode != "fork":
            expected["exec"] = generated
            caught["exec"] = len(markers)
    missing = sum(expected[k] - caught[k] for k in expected)
    return {
        "generated": generated,
        "expected_records": sum(expected.values()),
        "caught": caught,
        "missing": missing,
        "lost_records": lost_records,
        "lost_sum": lost_sum,
        "stop_lost": stop["lost"] if stop else None,
        "stop_events": stop["events"] if stop else None,
        "log_records": total,
        "seq_consecutive": seqs_ok,
        "generator_records_after_first_loss": after_lost,
    }


PROGRAMS = ("handle_fork", "handle_exec", "handle_exit", "handle_free", "handle_rename", "handle_sys_exit")


TRACING_TYPES = ("tracing", "raw_tracepoint", "tracepoint", "kprobe", "perf_event")


def bpf_progs():
    """id:name of every tracing-kind BPF program loaded on the machine, space-separated."""
    shown = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], check=True,
                                      capture_output=True, text=True).stdout)
    return " ".join(f"{p['id']}:{p.get('name', '?')}" for p in shown if p.get("type") in TRACING_TYPES)


def taxes_syscalls(name):
    """A program that runs on every system call (proctrace's sys_exit, a syscalls tracepoint)."""
    return "sys_exit" in name or "sys_enter" in name or name.startswith("tracepoint__sys")


def progstats():
    shown = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], check=True,
                                      capture_output=True, text=True).stdout)
    newest = {}
    for p in shown:
        if p.get("name") in PROGRAMS and p["id"] > newest.get(p["name"], {"id": -1})["id"]:
            newest[p["name"]] = p
    return {name: [p.get("run_time_ns", 0), p.get("run_cnt", 0)] for name, p in newest.items()}


def env():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = int(line.split()[1])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "?"
    return {"kind": "env", "date": time.strftime("%Y-%m-%d %H:%M %Z"), "host": platform.node(),
            "cpu": cpu, "cpus": os.cpu_count(), "mem": f"{mem / 1048576:.1f} GiB",
            "kernel": platform.release(), "commit": commit}


def kernel_text(rows):
    out = ["| mode | processes | generator CPU s | BPF run time s | of which sys_exit | ns per call: fork / exec / exit / sys_exit | "
           "BPF ÷ generator CPU | proctrace process CPU ÷ generator CPU | CPU added | load |",
           "|---|---:|---:|---:|---:|---|---:|---:|---:|---|"]
    for k in rows:
        progs = {name: (after[0] - k["before"].get(name, [0, 0])[0], after[1] - k["before"].get(name, [0, 0])[1])
                 for name, after in k["after"].items()}
        bpf_ns = sum(ns for ns, _ in progs.values())
        sys_ns = progs.get("handle_sys_exit", (0, 0))[0]
        own_ns = k["gen_cpu_s"] * 1e9 - bpf_ns  # the generator's CPU without the programs that ran in it
        per_call = " / ".join(f"{progs[n][0] / progs[n][1]:.0f}" if progs.get(n, (0, 0))[1] else "–"
                              for n in ("handle_fork", "handle_exec", "handle_exit", "handle_sys_exit"))
        out.append(f"| {k['mode']} | {k['processes']:,} | {k['gen_cpu_s']:.2f} | {bpf_ns / 1e9:.3f} | {sys_ns / 1e9:.3f} | {per_call} | "
                   f"{100 * bpf_ns / own_ns:.2f} % | {100 * k['recorder_cpu_ns'] / own_ns:.2f} % | "
                   f"**{100 * (bpf_ns + k['recorder_cpu_ns']) / own_ns:.2f} %** | {k['load']} |")
    return "\n".join(out)


def fmt_rate(x):
    return f"{x:,.0f}"


def render(results):
    by = {}
    for r in results:
        by.setdefault(r["kind"], []).append(r)
    out = []
    env = by.get("env", [{}])[0]
    out.append(f"Measured {env.get('date', '?')} on `{env.get('host', '?')}`: {env.get('cpu', '?')}, "
               f"{env.get('cpus', '?')} CPUs, {env.get('mem', '?')} RAM, kernel {env.get('kernel', '?')}, "
               f"proctrace {env.get('commit', '?')}. Load average (1/5/15 min) is given next to every figure: "
               f"the machine is shared with other builds.")
    out.append("")

    storms = by.get("storm", [])
    if storms:
        out.append("### Capture completeness (generator at full speed, P = number of CPUs, default settings)")
        out.append("")
        out.append("| mode | processes/threads | rate /s | fork | exec | exit | reap | thread start/exit | missing | `lost` in log | stop `lost` | load |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for s in storms:
            c = s["capture"]["caught"]
            out.append(
                f"| {s['mode']} | {s['generated']:,} | {fmt_rate(s['rate'])} | {c.get('fork', '–')} | {c.get('exec', '–')} | "
                f"{c.get('exit', '–')} | {c.get('reap', '–')} | "
                f"{str(c['thread_start']) + ' / ' + str(c['thread_exit']) if 'thread_start' in c else '–'} | "
                f"{s['capture']['missing']} | {s['capture']['lost_sum']} | {s['capture']['stop_lost']} | {s['load']} |")
        out.append("")

    stops = by.get("sigstop", [])
    if stops:
        out.append("### Consumer stopped (SIGSTOP) for 2 s during a fork+exec storm and a fork storm")
        out.append("")
        out.append("| ring | storm | rate /s | processes | missing records | `lost` records (sum) | stop `lost` | seq consecutive | generator records after the loss | load |")
        out.append("|---|---|---:|---:|---:|---:|---:|---|---:|---|")
        for s in stops:
            c = s["capture"]
            out.append(f"| {s['ring']} | {s.get('mode', 'forkexec')} | {s['rate']:,.0f} | {c['generated']:,} | {c['missing']} | {c['lost_records']} ({c['lost_sum']}) | "
                       f"{c['stop_lost']} | {c['seq_consecutive']} | {c['generator_records_after_first_loss']:,} | {s['load']} |")
        out.append("")

    pairs = by.get("pair", [])
    if pairs:
        out.append("### Cost: generator rate with proctrace recording ÷ without (alternating pairs, same run)")
        out.append("")
        out.append("| mode | pairs | rate without /s (median) | rate with /s (median) | ratio (median of pairs) | slowdown | pair ratios | proctrace CPU s per 1,000 processes (median) | proctrace peak RSS (max VmHWM) | missing / lost | load (first–last) |")
        out.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---|---|")
        modes = []
        for p in pairs:
            if p["mode"] not in modes:
                modes.append(p["mode"])
        for m in modes:
            ps = [p for p in pairs if p["mode"] == m]
            ratios = [p["with"] / p["without"] for p in ps]
            ratio = statistics.median(ratios)
            per_k = statistics.median([p["cpu_ns"] / 1e9 / p["processes"] * 1000 for p in ps])
            hwm = max(p["hwm_kib"] for p in ps)
            missing = sum(p["capture"]["missing"] for p in ps)
            lost = sum(p["capture"]["stop_lost"] or 0 for p in ps)
            out.append(f"| {m} | {len(ps)} | {fmt_rate(statistics.median(p['without'] for p in ps))} | "
                       f"{fmt_rate(statistics.median(p['with'] for p in ps))} | {ratio:.3f} | {100 * (1 - ratio):.1f} % | "
                       f"{', '.join(f'{x:.3f}' for x in ratios)} | {per_k:.4f} | {hwm / 1024:.1f} MiB | {missing} / {lost} | "
                       f"{ps[0]['load']} – {ps[-1]['load']} |")
        out.append("")

    kernel = by.get("kernel", [])
    if kernel:
        out.append("### Cost in CPU time: what the BPF programs and the recorder add to the generator's CPU")
        out.append("")
        out.append(kernel_text(kernel))
        out.append("")

    fixed = by.get("fixed", [])
    if fixed:
        out.append("### proctrace CPU at a fixed exec rate (`loadgen --mode forkexec --rate R`)")
        out.append("")
        out.append("| asked rate /s | achieved /s | seconds | proctrace CPU s | % of one core | % of one core per 1,600 execs/s | load |")
        out.append("|---:|---:|---:|---:|---:|---:|---|")
        for f in fixed:
            pct = 100 * f["cpu_ns"] / 1e9 / f["seconds"]
            out.append(f"| {f['asked']} | {fmt_rate(f['rate'])} | {f['seconds']:.1f} | {f['cpu_ns'] / 1e9:.3f} | {pct:.2f} % | "
                       f"{pct * 1600 / f['rate']:.2f} % | {f['load']} |")
        for i in by.get("idle", []):
            out.append(f"| idle | 0 | {i['seconds']:.1f} | {i['cpu_ns'] / 1e9:.3f} | {100 * i['cpu_ns'] / 1e9 / i['seconds']:.2f} % | – | {i['load']} |")
        out.append("")

    cons = by.get("consumer", [])
    if cons or by.get("replay"):
        out.append("### User space from memory, one core (`taskset -c 1 proctrace-bench …`)")
        out.append("")
        out.append("| what | records | records/s (median) | runs | notes | load |")
        out.append("|---|---:|---:|---|---|---|")
        for c in cons:
            out.append(f"| decode only (KernelRecordDecoder) | {c['records']:,} | {fmt_rate(c['decode_records_per_s'])} | | {c['raw_bytes_per_record']} raw B/record | {c['load']} |")
            out.append(f"| decode → ProcessTree | {c['records']:,} | {fmt_rate(c['decode_tree_records_per_s'])} | | | {c['load']} |")
            out.append(f"| **consumer**: decode → tree → reparent → JSONLineEncoder → ByteBuffer → DiscardingSink | {c['records']:,} | **{fmt_rate(c['pipeline_records_per_s'])}** | "
                       f"{', '.join(fmt_rate(x) for x in c['pipeline_runs'])} | {c['json_bytes_per_record']} JSON B/record | {c['load']} |")
        for r in by.get("replay", []):
            out.append(f"| **replay** (LogReplayer: JSON decode → tree → filter), {r['source']} | {r['records']:,} | **{fmt_rate(r['records_per_s'])}** | "
                       f"{', '.join(fmt_rate(x) for x in r['runs'])} | {r['bytes'] / max(r['records'], 1):.0f} B/line | {r['load']} |")
        out.append("")

    mem = by.get("tree-memory", [])
    churn = by.get("churn", [])
    if mem or churn:
        out.append("### Memory")
        out.append("")
        for t in mem:
            out.append(f"- {t['live']:,} live processes (fork + exec each, argv 4–17 arguments) in the recorder's tree: "
                       f"RSS {t['rss_before_kib'] / 1024:.1f} MiB before → **{t['rss_after_kib'] / 1024:.1f} MiB** after "
                       f"({t['bytes_per_process']} bytes per process). Load {t['load']}.")
        for c in churn:
            samples = ", ".join(f"{s['t']:.0f} s: {s['rss_kib'] / 1024:.1f} MiB ({s['live']:,} live)" for s in c["samples"])
            out.append(f"- Churn, {c['seconds']:.0f} s of fork → exec → exit → reap through the whole pipeline "
                       f"({c['processes']:,} processes, {fmt_rate(c['records_per_s'])} records/s): RSS {samples}. Load {c['load']}.")
        out.append("")

    for k in by.get("soak", []):
        out.append("### Soak: real fork storms through the kernel, recording with rotation")
        out.append("")
        out.append(soak_text(k))
        out.append("")

    reads = by.get("read", [])
    counts = by.get("read-instructions", [])
    if reads or counts:
        out.append("### Reading a log with the commands, end to end (scripts/bench-read.sh)")
        out.append("")
    for r in reads:
        out.append(f"{r['lines']:,} lines ({r['bytes'] / 1e6:.0f} MB), median of {r['rounds']} alternating rounds "
                   f"(jq on the first {r['jq_lines']:,} lines). Load {r['load']}.")
        out.append("")
        out.append("| command | lines/s | vs cat | vs jq |")
        out.append("|---|---:|---:|---:|")
        names = {"replay": "`replay --max --json` > /dev/null", "replay-pipe": "`replay --max --json` \\| cat",
                 "stats": "`stats`", "tree": "`tree --from`", "jq": "`jq -c .`", "cat": "`cat`"}
        for name, label in names.items():
            if name in r["lines_per_s"]:
                out.append(f"| {label} | {r['lines_per_s'][name]:,} | {r['vs_cat'][name]:.4f} | {r['vs_jq'][name]:.2f} |")
        out.append("")
    for c in counts:
        per = ", ".join(f"{n} {c[n]['per_line']:,}" for n in ("replay", "stats", "tree") if n in c)
        out.append(f"Instructions per line (callgrind, whole command less its start-up, {c['lines']:,}-line log): {per}.")
        out.append("")
    return "\n".join(out)


def soak_text(k):
    samples = k["samples"]
    picks = []
    for q in (0, 0.25, 0.5, 0.75, 1):
        t = q * k["seconds"]
        s = min(samples, key=lambda x: abs(x["t"] - t))
        if s not in picks:
            picks.append(s)
    warm = [s["rss_kib"] for s in samples if s["t"] >= 0.1 * k["seconds"]] or [samples[-1]["rss_kib"]]
    shown = ", ".join(f"{s['t']:.0f} s: {s['rss_kib'] / 1024:.1f} MiB" for s in picks)
    return (f"{k['seconds']:.0f} s of alternating fork+exec and fork storms at full speed ({k['batches']} batches, "
            f"{k['processes']:,} processes, {k.get('stop_seq', 0):,} records numbered (the `stop` record's `seq`), "
            f"{k['stop_events']:,} of them in the last of {k['files']} files kept by a 256 MiB × 2 rotation): recorder RSS {shown}; after the first 10 %: "
            f"{min(warm) / 1024:.1f}–{max(warm) / 1024:.1f} MiB over {len(warm)} samples; peak VmHWM "
            f"{k['hwm_kib'] / 1024:.1f} MiB. proctrace CPU {k['cpu_ns'] / 1e9:.1f} s "
            f"({k['cpu_ns'] / 1e9 / k['processes'] * 1000:.4f} s per 1,000 processes); "
            f"stop `lost` {k['stop_lost']}, `unwritten` {k['stop_unwritten']}. Load {k['load']}.")


def spread(values, digits=3):
    """median (min–max), for a table cell"""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def tax_text(rows):
    env = next((r for r in rows if r["kind"] == "env"), None)
    kernels = []
    for r in rows:
        if r["kind"] == "tax" and r.get("kernel") not in kernels:
            kernels.append(r.get("kernel"))
    out = []
    for kernel in kernels:
        group = [r for r in rows if r["kind"] in ("tax", "tax-tracer") and r.get("kernel") == kernel]
        if kernel is None:
            if env:
                out.append(f"#### This machine: kernel {env['kernel']} (measured {env['date']}, `{env['host']}`, "
                           f"{env['cpus']} CPUs, proctrace {env['commit']})")
            else:
                out.append("#### This machine")
        else:
            out.append(f"#### Debian's {kernel} in qemu (tcg, 2 virtual CPUs): ratios only")
        out.append("")
        out.append(tax_table(group))
    return "\n".join(out).rstrip() + "\n" if out else ""


def tax_table(rows):
    tracers = [r for r in rows if r["kind"] == "tax-tracer"]
    pairs = [r for r in rows if r["kind"] == "tax"]
    p0 = pairs[0]
    # A tcg guest's CPU clock ticks coarsely (whole ticks per chunk), and its
    # clocks run on while the host runs something else: there the wall clock of
    # the fastest chunk is the guest's own time. On this machine, CPU time and
    # the median chunk (the usual cost).
    guest = "kernel" in p0
    med, fast = ("wall_ns_per_op", "wall_ns_per_op_min") if guest else ("cpu_ns_per_op", "cpu_ns_per_op_min")
    clock = "wall-clock" if guest else "CPU"
    out = [f"Load on CPU {p0['load_cpu']}, tracer on CPU {p0['tracer_cpu']}: "
           f"{p0['without']['getppid']['count']:,} raw `getppid()`, {p0['without']['pingpong']['count']:,} pipe "
           f"round trips between two threads on that CPU, {p0['without']['exec']['generated']:,} fork+exec+exit+reap "
           f"by one worker. Ratio = traced ÷ untraced {clock} time per operation, per pair (ABBA order), "
           f"median (min–max) over the pairs; the loads run in 50 chunks, and each ratio is of the median chunk "
           f"or of the fastest chunk{' (the one to read in a tcg guest)' if guest else ''}.", ""]
    names = []
    for p in pairs:
        if p["tracer"] not in names:
            names.append(p["tracer"])

    def hook(name):
        info = next((t for t in tracers if t["tracer"] == name), {})
        text = info.get("hooks", "–")
        if info.get("backend", "bpf") != "bpf":
            text = f"{info['backend']} backend"
        refused = [r.split(":", 1)[0] for r in info.get("hooks_refused", [])]
        if refused:
            text += f" ({', '.join(refused)} refused)"
        return text

    def per_exec_us(side):
        return side["exec"]["cpu_seconds"] * 1e6 / side["exec"]["generated"]

    def ratios(ps, value):
        return [value(p["with"]) / value(p["without"]) for p in ps]

    out.append("| tracer | hook | **getppid** (median chunk) | getppid (fastest chunk) | getppid (median chunk), pairs without another tracer's syscall hook | "
               "pingpong (median chunk) | pingpong (fastest chunk) | fork+exec CPU | saw the exec load | pairs | "
               "other tracers loaded meanwhile: pairs (with a syscall hook) | load (first–last) |")
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|---|")
    for name in names:
        ps = [p for p in pairs if p["tracer"] == name]
        foreign = [set((p["with"].get("foreign_bpf", "") + " " + p["without"].get("foreign_bpf", "")).split()) for p in ps]
        clean = [p for p, f in zip(ps, foreign) if not any(taxes_syscalls(n) for n in f)]
        cells = []
        for load in ("getppid", "pingpong"):
            for stat in (med, fast):
                text = spread(ratios(ps, lambda side: side[load][stat]))
                bold = stat == (fast if guest else med) and load == "getppid"
                cells.append(f"**{text}**" if bold else text)
            if load == "getppid":
                cells.append("–" if guest or not clean else
                             f"{spread(ratios(clean, lambda side: side['getppid'][med]))} ({len(clean)} pairs)")
        cells.append(spread(ratios(ps, per_exec_us)))
        saw = sum(1 for p in ps if p["saw_exec_load"])
        others = f"{sum(1 for f in foreign if f)} ({sum(1 for f in foreign if any(taxes_syscalls(n) for n in f))})"
        if "kernel" in p0:
            others = "– (none in the guest)"
        out.append(f"| {name} | {hook(name)} | {' | '.join(cells)} | {saw}/{len(ps)} | {len(ps)} | {others} | "
                   f"{ps[0]['load']} – {ps[-1]['load']} |")
    out.append("")
    out.append("Raw figures (median over the pairs), untraced → traced:")
    out.append("")
    out.append(f"| tracer | getppid ns/call ({clock}, median chunk) | getppid ns/call (fastest chunk) | pingpong ns/round trip (median chunk) | "
               "pingpong ns/round trip (fastest chunk) | fork+exec CPU µs/process | tracer CPU µs per exec (the machine's other execs included) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for name in names:
        ps = [p for p in pairs if p["tracer"] == name]

        def raw(value):
            return (f"{statistics.median(value(p['without']) for p in ps):,.0f} → "
                    f"{statistics.median(value(p['with']) for p in ps):,.0f}")
        tracer_us = statistics.median(p["with"]["tracer_exec_cpu_ns"] / 1e3 / p["with"]["exec"]["generated"] for p in ps)
        out.append(f"| {name} | {raw(lambda s: s['getppid'][med])} | {raw(lambda s: s['getppid'][fast])} | "
                   f"{raw(lambda s: s['pingpong'][med])} | {raw(lambda s: s['pingpong'][fast])} | {raw(per_exec_us)} | {tracer_us:,.1f} |")
    out.append("")
    for t in tracers:
        if not t["started"]:
            out.append(f"- {t['tracer']}: did not start here: `{t.get('error') or '?'}`")
        elif t.get("measured") is False:
            out.append(f"- {t['tracer']}: {hook(t['tracer'])}: the mode measured above under that name.")
    return "\n".join(out).rstrip() + "\n"


# What a proctrace start record says of its hooks, kept in the tracer's row.
START_KEYS = ("backend", "bpf_choices", "hooks", "hooks_refused", "unavailable_events")


def start_info(record):
    return {k: v for k, v in json.loads(record).items() if k in START_KEYS}


def tax_tracer(name, command, hooks, measured, started, output_path, error_path):
    """A tracer's row for the tax table: how it was run, whether it attached, what it hooks."""
    row = {"kind": "tax-tracer", "tracer": name, "command": command, "started": started, "measured": measured}
    if hooks:
        row["hooks"] = hooks
    if name.startswith("proctrace") and started:
        with open(output_path, errors="replace") as f:
            row.update(start_info(next(line for line in f if '"event":"start"' in line)))
    if not started:
        with open(error_path, errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
        row["error"] = lines[-1] if lines else "no output"
    return row


def tax_guest(log_path, host_load):
    """The rows of one tax-bench guest's serial log (scripts/qemu/bench-init.sh)."""
    kernel = None
    tracers, sides, extra, order = [], {}, {}, {}
    name = lambda mode: "proctrace" if mode == "default" else f"proctrace --hooks {mode}"

    with open(log_path, errors="replace") as f:
        for line in f:
            line = line.replace("\r", "").rstrip("\n")
            at = line.find("@@")
            if at < 0:
                continue
            words = line[at:].split(" ", 5)
            tag = words[0]
            if tag == "@@bench" and words[1] == "kernel":
                kernel = words[2]
            elif tag == "@@taxstart":
                row = {"kind": "tax-tracer", "kernel": kernel, "tracer": name(words[1]), "started": True}
                row.update(start_info(line[at:].split(" ", 2)[2]))
                tracers.append(row)
            elif tag == "@@taxdefault":
                row = {"kind": "tax-tracer", "kernel": kernel, "tracer": "proctrace (default)", "started": True,
                       "measured": False}
                row.update(start_info(line[at:].split(" ", 1)[1]))
                tracers.append(row)
            elif tag == "@@taxerror":
                rest = line[at:].split(" ", 2)
                tracers.append({"kind": "tax-tracer", "kernel": kernel, "tracer": name(rest[1]), "started": False,
                                "error": rest[2] if len(rest) > 2 else ""})
            elif tag == "@@tax":
                pair, mode, side, load, result = int(words[1]), words[2], words[3], words[4], words[5]
                sides.setdefault((pair, mode), {}).setdefault(side, {"tracer_exec_cpu_ns": 0})[load] = json.loads(result)
                order.setdefault((pair, mode), [])
                if side not in order[(pair, mode)]:
                    order[(pair, mode)].append(side)
            elif tag == "@@taxside":
                pair, mode, cpu, exec_cpu, saw = words[1:6] if len(words) == 6 else (words + [""])[1:6]
                extra[(int(pair), mode)] = (int(cpu), int(exec_cpu), saw.strip() == "true")
    rows = list(tracers)
    for (pair, mode), s in sides.items():
        if (pair, mode) not in extra or "with" not in s or "without" not in s:
            continue
        cpu, exec_cpu, saw = extra[(pair, mode)]
        s["with"]["tracer_exec_cpu_ns"] = exec_cpu
        rows.append({"kind": "tax", "kernel": kernel, "tracer": name(mode), "pair": pair,
                     "order": " ".join(order[(pair, mode)]), "load_cpu": 1, "tracer_cpu": 0,
                     "without": s["without"], "with": s["with"], "tracer_cpu_ns": cpu, "saw_exec_load": saw,
                     "load": host_load})
    return rows


def replace_between(markdown_path, begin, end, text):
    try:
        with open(markdown_path) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = f"# Benchmarks\n\n{begin}\n{end}\n"
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        _, tail = rest.split(end, 1)
        doc = f"{head}{begin}\n{text}\n{end}{tail}"
    else:
        doc = f"{doc.rstrip()}\n\n{begin}\n{text}\n{end}\n"
    with open(markdown_path, "w") as f:
        f.write(doc)


def report(results_path, markdown_path):
    with open(results_path) as f:
        results = [json.loads(line) for line in f if line.strip()]
    text = render(results)
    print(text)
    replace_between(markdown_path, BEGIN, END, text)


def tax_report(results_path, markdown_path):
    with open(results_path) as f:
        results = [json.loads(line) for line in f if line.strip()]
    text = tax_text(results)
    print(text)
    if text:
        replace_between(markdown_path, TAX_BEGIN, TAX_END, text.rstrip())


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "capture":
        traced = not (len(sys.argv) == 5 and sys.argv[4] == "untraced-threads")
        print(json.dumps(capture(sys.argv[2], sys.argv[3], traced)))
    elif len(sys.argv) == 2 and sys.argv[1] == "env":
        print(json.dumps(env()))
    elif len(sys.argv) == 2 and sys.argv[1] == "bpf-progs":
        print(bpf_progs())
    elif len(sys.argv) == 2 and sys.argv[1] == "progstats":
        print(json.dumps(progstats()))
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 9 and sys.argv[1] == "tax-tracer":
        name, command, hooks, measured, started, output, error = sys.argv[2:]
        print(json.dumps(tax_tracer(name, command, hooks, measured == "true", started == "true", output, error)))
    elif len(sys.argv) == 4 and sys.argv[1] == "tax-guest":
        for row in tax_guest(sys.argv[2], sys.argv[3]):
            print(json.dumps(row))
    elif len(sys.argv) == 4 and sys.argv[1] == "tax-report":
        tax_report(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
