#!/usr/bin/env python3
"""Helpers for scripts/bench.sh (`make bench`).

  bench.py capture LOG LOADGEN_JSON [untraced-threads]
                                      count what a recording caught of one loadgen run
                                      (untraced-threads: a threads run recorded without
                                      --threads, so no thread records are expected)
  bench.py progstats                  run time and run count of the newest loaded proctrace
                                      programs (kernel.bpf_stats_enabled=1), as JSON
  bench.py report RESULTS BENCHMARKS  render results (JSON Lines) as Markdown, print it,
                                      and put it in BENCHMARKS.md between the markers
"""
import json
import statistics
import subprocess
import sys

BEGIN = "<!-- bench:begin (written by make bench; edits here are replaced) -->"
END = "<!-- bench:end -->"


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


def progstats():
    shown = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], check=True,
                                      capture_output=True, text=True).stdout)
    newest = {}
    for p in shown:
        if p.get("name") in PROGRAMS and p["id"] > newest.get(p["name"], {"id": -1})["id"]:
            newest[p["name"]] = p
    return {name: [p.get("run_time_ns", 0), p.get("run_cnt", 0)] for name, p in newest.items()}


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
        out.append("### Consumer stopped (SIGSTOP) for 2 s during a fork+exec storm")
        out.append("")
        out.append("| ring | processes | missing records | `lost` records (sum) | stop `lost` | seq consecutive | generator records after the loss | load |")
        out.append("|---|---:|---:|---:|---:|---|---:|---|")
        for s in stops:
            c = s["capture"]
            out.append(f"| {s['ring']} | {c['generated']:,} | {c['missing']} | {c['lost_records']} ({c['lost_sum']}) | "
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


def report(results_path, markdown_path):
    with open(results_path) as f:
        results = [json.loads(line) for line in f if line.strip()]
    text = render(results)
    print(text)
    try:
        with open(markdown_path) as f:
            doc = f.read()
    except FileNotFoundError:
        doc = f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        doc = f"{head}{BEGIN}\n{text}\n{END}{tail}"
    else:
        doc = f"{doc.rstrip()}\n\n{BEGIN}\n{text}\n{END}\n"
    with open(markdown_path, "w") as f:
        f.write(doc)


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "capture":
        traced = not (len(sys.argv) == 5 and sys.argv[4] == "untraced-threads")
        print(json.dumps(capture(sys.argv[2], sys.argv[3], traced)))
    elif len(sys.argv) == 2 and sys.argv[1] == "progstats":
        print(json.dumps(progstats()))
    elif len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
