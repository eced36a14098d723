#!/usr/bin/env python3
"""Judges what the install test's guest brought back (run.sh). Usage: judge.py RESULTS_DIR MARKER

Prints PASS/FAIL per check and exits 1 if any check failed or did not run.
What each check expects is what README.md ("Installing") and docs/service.md say.
"""
import json, os, re, sys

results, marker = sys.argv[1], sys.argv[2]
failures = []
# The unit's AmbientCapabilities=/CapabilityBoundingSet=: CAP_NET_ADMIN (12),
# CAP_SYS_PTRACE (19), CAP_PERFMON (38), CAP_BPF (39).
UNIT_CAPS = (1 << 12) | (1 << 19) | (1 << 38) | (1 << 39)
# What record keeps once recording: CAP_SYS_PTRACE, to open /proc/PID/exe of
# other users' processes (netlink reads it for every exec; both backends hash
# the file, which the shipped configuration does: hash_max_bytes 64M).
KEPT_AFTER_START = 1 << 19
TIMEOUT_STOP_MS = 30_000
SECURITY_LIMIT = 2.0

def read(name):
    path = os.path.join(results, name)
    return open(path, errors="replace").read() if os.path.exists(path) else None

steps = {}
for line in (read("steps") or "").splitlines():
    name, rc = line.rsplit(" ", 1)
    steps[name] = int(rc)

judged = set()

def check(name, ok, detail):
    judged.add(name)
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures.append(name)

def ran(*names):
    missing = [n for n in names if n not in steps]
    failed = [f"{n} (exit {steps[n]}): {(read(n + '.out') or '').strip()[-300:]}" for n in names
              if n in steps and steps[n] != 0]
    return missing, failed

def step_check(name, *names, detail=""):
    missing, failed = ran(*names)
    ok = not missing and not failed
    why = (f"did not run: {', '.join(missing)}; " if missing else "") + "; ".join(failed)
    check(name, ok, detail if ok else why)
    return ok

def records(name):
    text = read(name)
    if text is None:
        return None
    return [json.loads(line) for line in text.splitlines() if line.strip()]

def sessions(recs):
    out = []
    for r in recs:
        if r["event"] == "start":
            out.append([])
        if out:
            out[-1].append(r)
    return out

# Boot: systemd is PID 1, no Swift anywhere.
system = read("system.out") or ""
check("boot", steps.get("system") == 0 and "/systemd" in system and "no swift" in system,
      " / ".join(system.split("\n")[:4]))

# Install with apt, offline: the .deb's Depends are satisfied by Debian's packages.
if step_check("install", "install", "after-install"):
    after = read("after-install.out")
    check("install: enabled and started by postinst", after.startswith("enabled\nactive\n"), after.split("\n")[:2])
    check("install: libraries from Debian only", "/opt/swift" not in after and "not found" not in after,
          "ldd names " + ", ".join(sorted(set(re.findall(r"=> (\S+)", after)))))
step_check("systemctl enable --now", "enable-now", "first-start")

# The workload's records, exactly.
after_stop = records("after-stop.jsonl")
workload = (read("workload") or "").split()
if after_stop is not None and len(workload) == 2 and step_check("workload logged", "workload-logged"):
    parent = int(workload[0])
    execs = [r for r in after_stop if r["event"] == "exec" and any(marker in a for a in (r.get("argv") or []))]
    child = next((r["pid"] for r in execs if r["pid"] != parent), None)
    expected = {
        parent: [("fork", {}), ("exec", {"argv": ["/bin/sh", "-c", f"/bin/true {marker}-child; exit 3", "sh",
                                                   f"{marker}-parent"]}),
                 ("exit", {"exit_code": 3, "signal": None}), ("reap", {"reason": "wait"})],
        child: [("fork", {"ppid": parent}), ("exec", {"argv": ["/bin/true", f"{marker}-child"], "ppid": parent}),
                ("exit", {"exit_code": 0, "signal": None}), ("reap", {"reaper": parent, "reason": "wait"})],
    }
    problems = []
    if workload[1] != "3":
        problems.append(f"the workload exited {workload[1]}, not 3")
    if len(execs) != 2 or child is None:
        problems.append(f"{len(execs)} exec records carry the marker, expected 2")
    for pid, want in expected.items():
        got = [r for r in after_stop if r.get("pid") == pid and r["event"] not in ("start", "stop", "exists")]
        if [r["event"] for r in got] != [e for e, _ in want]:
            problems.append(f"pid {pid}: records {[r['event'] for r in got]}, expected {[e for e, _ in want]}")
            continue
        for r, (event, fields) in zip(got, want):
            for k, v in fields.items():
                if r.get(k) != v:
                    problems.append(f"pid {pid} {event}: {k} = {r.get(k)!r}, expected {v!r}")
    check("log holds exactly the workload's records", not problems,
          "; ".join(problems) or f"pids {parent} and {child}: fork, exec, exit, reap each, argv and exit codes exact")
else:
    check("log holds exactly the workload's records", False, "no log or no workload result came back")

# systemctl stop: a stop record, inside TimeoutStopSec=.
for name, log in (("stop", "after-stop.jsonl"), ("final-stop", "final.jsonl")):
    recs = records(log)
    ms = read(f"{name}.ms")
    show = read(f"{name}.show") or ""
    if recs and ms and step_check(f"systemctl {name}", name):
        last = recs[-1]
        ok = last["event"] == "stop" and int(ms) < TIMEOUT_STOP_MS and "Result=success" in show \
            and last.get("lost") == 0 and last.get("unwritten") == 0
        check(f"{name}: stop record inside TimeoutStopSec", ok,
              f"{int(ms)} ms (limit {TIMEOUT_STOP_MS}); last record {json.dumps(last)}; "
              + " ".join(show.split()))

# Capabilities: what the unit grants at start, what is left once recording.
caps = read("capabilities.out")
if caps and step_check("capabilities observed", "start-again", "capabilities"):
    val = lambda phase, key: int(re.search(rf"^{phase} {key}: (\S+)", caps, re.M).group(1), 16)
    backend = re.search(r'"backend":"(\w+)"', caps).group(1)
    uid = re.search(r"^granted Uid: (\d+)", caps, re.M).group(1)
    granted = {k: val("granted", k) for k in ("CapEff", "CapPrm", "CapAmb", "CapBnd")}
    running = {k: val("running", k) for k in ("CapEff", "CapPrm", "CapAmb", "CapBnd", "CapInh")}
    check("capabilities: the unit's set at start", all(v == UNIT_CAPS for v in granted.values()) and uid != "0",
          f"uid {uid}, " + ", ".join(f"{k} {v:016x}" for k, v in granted.items()) + f" (unit: {UNIT_CAPS:016x})")
    keep = KEPT_AFTER_START
    ok = running["CapEff"] == running["CapPrm"] == keep and running["CapAmb"] == 0 and running["CapInh"] == 0
    check("capabilities: only what recording needs is left", ok,
          f"backend {backend}: " + ", ".join(f"{k} {v:016x}" for k, v in running.items()))

# systemctl restart: a new recording, start then exists.
final = records("final.jsonl")
if final and step_check("systemctl restart", "restart", "restart-start"):
    s = sessions(final)
    last = s[-1] if s else []
    exists = sum(1 for r in last if r["event"] == "exists")
    ok = (len(s) == 3 and last[0]["seq"] == 1 and len(last) > 1 and last[1]["event"] == "exists"
          and last[0]["recorder_pid"] != s[-2][0]["recorder_pid"] and all(x[-1]["event"] == "stop" for x in s))
    check("restart: new start + exists", ok,
          f"{len(s)} recordings in the log, each ending in stop; the last: start (seq {last[0]['seq'] if last else '-'}, "
          f"backend {last[0].get('backend') if last else '-'}) then {exists} exists")

# The journal: nothing at priority err or above from the unit.
errors = read("journal-errors.out")
if errors is not None:
    lines = [l for l in errors.splitlines() if l.strip() and not l.startswith("-- No entries --")]
    check("journal: no errors from the unit", steps.get("journal-errors") == 0 and not lines,
          "; ".join(lines[:5]) or "none at priority err or above")

security = read("security.out") or ""
m = re.search(r"Overall exposure level for proctrace.service: ([\d.]+) (\w+)", security)
check("systemd-analyze security", m is not None and float(m.group(1)) <= SECURITY_LIMIT,
      f"{m.group(1)} {m.group(2)} (limit {SECURITY_LIMIT})" if m else "no score: " + security[-200:])

# Upgrade (a reinstall): restarted, still enabled; remove: a last stop record.
removed = records("after-remove.jsonl")
if removed and step_check("upgrade", "start-for-upgrade", "upgrade-wait", "upgrade", "upgrade-start", "after-upgrade"):
    s = sessions(removed)
    after = read("after-upgrade.out")
    # Five recordings up to the upgrade's, then the sealing steps' two (below).
    ok = (len(s) == 7 and s[4][0]["recorder_pid"] != s[3][0]["recorder_pid"] and s[4][1]["event"] == "exists"
          and s[3][-1]["event"] == "stop" and after == "enabled\nactive\n")
    check("upgrade: restarted, still enabled", ok,
          f"{len(s)} recordings; the one before the upgrade ends in {s[3][-1]['event'] if len(s) > 3 else '-'}, "
          f"the new one (pid {s[-1][0]['recorder_pid']}) starts with start, exists; " + " ".join(after.split()))
    # Sealed by then (below): the stop is followed by its seal, the last line.
    unsealed = [r for r in removed if r["event"] != "seal"]
    check("remove: the log ends with a stop record", unsealed[-1]["event"] == "stop"
          and removed[-1]["event"] == "seal" and removed[-1].get("trigger") == "stop", json.dumps(removed[-1]))

sealed = records("sealed.jsonl")
if sealed and step_check("sealing once a key exists", "seal-before", "seal-init", "seal-restart", "seal-start", "seal-stop",
                         "seal-key-state"):
    key_state = (read("seal-key-state.out") or "").split()
    seals = [r for r in sealed if r["event"] == "seal"]
    ok = (bool(seals) and seals[-1].get("trigger") == "stop" and sealed[-1]["event"] == "seal"
          and any(marker + "-sealed" in " ".join(r.get("argv") or []) for r in sealed if r["event"] == "exec")
          and len(key_state) >= 4 and key_state[0] != "0" and key_state[1] == "600" and key_state[2] == "1")
    check("sealing: the service seals once seal init ran; the key is the service user's, 0600, one name", ok,
          f"{len(seals)} seals, last {json.dumps(seals[-1]) if seals else None}; key state {key_state}")
    out = read("seal-verify.out") or ""
    check("sealing: proctrace verify proves the recording", steps.get("seal-verify") == 0
          and "authenticity: proven" in out and "BROKEN" not in out, out.strip()[-600:])

# remove, then purge (README: "Installing").
def state(name):
    return dict(l.split(" ", 1)[::-1] for l in (read(name) or "").splitlines() if " " in l)
if step_check("apt remove", "remove", "after-remove"):
    st = (read("after-remove.out") or "").splitlines()
    want = ["absent /usr/bin/proctrace", "absent /lib/systemd/system/proctrace.service",
            "present /etc/proctrace/proctrace.toml", "present /var/log/proctrace",
            "present /var/log/private/proctrace", "present /var/log/proctrace/events.jsonl",
            "active inactive", "enabled masked", "package deinstall ok config-files", "process none"]
    check("remove: service stopped and masked; configuration and logs kept", st == want,
          "; ".join(st) if st != want else "binary and unit gone, unit masked, /etc/proctrace and logs kept")
if step_check("apt purge", "purge", "after-purge"):
    st = (read("after-purge.out") or "").splitlines()
    want_absent = ["absent /usr/bin/proctrace", "absent /lib/systemd/system/proctrace.service",
                   "absent /etc/proctrace/proctrace.toml", "absent /var/log/proctrace",
                   "absent /var/log/private/proctrace", "absent /var/log/proctrace/events.jsonl"]
    ok = st[:6] == want_absent and "active inactive" in st and not any(
        l.startswith("enabled ") and l.split(" ", 1)[1] in ("enabled", "masked") for l in st) and "process none" in st
    check("purge: configuration, logs and unit state gone", ok, "; ".join(st))

check("guest finished every step", read("done") is not None, f"{len(steps)} steps ran")
# A check whose inputs never came back is a failure, not a silence.
for name in ("install: enabled and started by postinst", "install: libraries from Debian only",
             "log holds exactly the workload's records", "stop: stop record inside TimeoutStopSec",
             "final-stop: stop record inside TimeoutStopSec", "capabilities: the unit's set at start",
             "capabilities: only what recording needs is left", "restart: new start + exists",
             "journal: no errors from the unit", "upgrade: restarted, still enabled",
             "remove: the log ends with a stop record",
             "remove: service stopped and masked; configuration and logs kept",
             "purge: configuration, logs and unit state gone"):
    if name not in judged:
        check(name, False, "did not run (its step failed or its results did not come back)")
print(f"\ninstall test: {'FAILED: ' + ', '.join(failures) if failures else 'all checks passed'}")
sys.exit(1 if failures else 0)
