#!/usr/bin/env python3
"""The differential test of `proctrace hunt` (issue 29): the same events judged
by pySigma's SQLite backend, an independent Sigma evaluator.

From the rules' own values it generates process creations (image, command
line, parent image and command line, directory, user, session), mixed and
case-flipped at random, writes them as a proctrace recording (fork and exec
records, the parent exec'd or, at times, a forked child of it that never
exec'd), and computes the Sigma fields each exec should have. Every rule
pySigma converts is run as SQL over those rows (a table with COLLATE NOCASE
columns, as Zircolite builds it; REGEXP is Python's re.search); `proctrace
hunt --json` runs over the recording. The two sets of (rule, seq) must be
equal. Prints the figures and `N passed, M failed` (one per rule), exits 1
on any disagreement.

  scripts/sigma-differential.py --proctrace .build/debug/proctrace --rules ../shared/sigma [--events 4000] [--seed 29]
"""
import argparse
import glob
import json
import os
import pwd
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile

from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.conditions import ConditionAND
from sigma.rule import SigmaDetection, SigmaDetectionItem
from sigma.types import SigmaNull, SigmaNumber, SigmaRegularExpression, SigmaString, SpecialChars

FIELDS = ["Image", "CommandLine", "ParentImage", "ParentCommandLine", "CurrentDirectory", "User", "LogonId"]
# Values the shared rules' regular expressions look for, and some that they do not.
REGEX_FRAGMENTS = [" -F ", " -T ", " -d ", " -O ", " -i ", " --inode ", " --directory ", " -la ", "-W 'de ad be ef' ",
                   " -R 0a 0b 0c ", "x" * 210, " -D ", " -f ", " -o "]


def flip_case(rng, text):
    return "".join(c.swapcase() if c.isascii() and c.isalpha() and rng.random() < 0.3 else c for c in text)


def realize(rng, value):
    """A text the value matches (wildcards filled), or None for a regular expression."""
    if isinstance(value, SigmaString):
        parts = []
        for part in value.s:
            if part == SpecialChars.WILDCARD_MULTI:
                parts.append(rng.choice(["", "zz", " a ", "/tmp/"]))
            elif part == SpecialChars.WILDCARD_SINGLE:
                parts.append(rng.choice(["q", "é"]))
            else:
                parts.append(part)
        return flip_case(rng, "".join(parts))
    if isinstance(value, SigmaNumber):
        return str(value.number)
    if isinstance(value, SigmaRegularExpression):
        return rng.choice(REGEX_FRAGMENTS)
    return None


def detection_fields(rng, detection, fields):
    """Fills `fields` with texts that satisfy `detection` (as far as values allow)."""
    items = detection.detection_items
    if detection.item_linking is not None and detection.item_linking is not ConditionAND and len(items) > 1:
        items = [rng.choice(items)]  # a list of alternatives: one of them
    for item in items:
        if isinstance(item, SigmaDetection):
            detection_fields(rng, item, fields)
            continue
        field = item.field or "CommandLine"
        values = [v for v in item.value if not isinstance(v, SigmaNull)]
        if not values:
            continue
        chosen = values if item.value_linking is ConditionAND else [rng.choice(values)]
        texts = [t for t in (realize(rng, v) for v in chosen) if t is not None]
        if texts:
            text = " ".join(texts)
            if field in ("CommandLine", "ParentCommandLine") and fields.get(field):
                fields[field] += " " + text
            elif field == "User":
                fields["uid"] = 0 if text.lower() == "root" else 65534
            else:
                fields[field] = text


def base_event(rng):
    return {
        "Image": rng.choice(["/usr/bin/true", "/bin/bash", "/usr/bin/python3"]),
        "CommandLine": rng.choice(["true", "bash -i", "python3 -c pass"]),
        "ParentImage": rng.choice(["/usr/bin/bash", "/usr/sbin/sshd", "/usr/bin/dash"]),
        "ParentCommandLine": rng.choice(["bash", "sshd: root@pts/0", "sh -c x"]),
        "CurrentDirectory": rng.choice(["/root", "/tmp", "/var/opt/microsoft/scx/tmp", "/home/a"]),
        "uid": rng.choice([0, 0, 65534]),
        "LogonId": rng.choice([None, 0, 3]),  # a rule's LogonId value replaces it (an integer's text)
    }


def generate(rng, rules, count):
    detections = [(rule, d) for rule in rules for d in rule.detection.detections.values()]
    events = []
    # Each rule: each search identifier alone, then all of them together.
    for rule in rules:
        for detection in rule.detection.detections.values():
            event = base_event(rng)
            detection_fields(rng, detection, event)
            events.append(event)
        event = base_event(rng)
        for detection in rule.detection.detections.values():
            detection_fields(rng, detection, event)
        events.append(event)
    # Then random mixtures of any rules' identifiers, with regex fragments.
    while len(events) < count:
        event = base_event(rng)
        for _ in range(rng.randint(1, 3)):
            detection_fields(rng, rng.choice(detections)[1], event)
        if rng.random() < 0.3:
            event["CommandLine"] += rng.choice(REGEX_FRAGMENTS)
        events.append(event)
    rng.shuffle(events)
    return events


class Recording:
    def __init__(self, host):
        self.lines = []
        self.seq = 0
        self.time = 1_700_000_000_000_000_000
        self.start = 1_000
        self.emit({"event": "start", "format": "proctrace", "version": 1, "backend": "bpf", "host": host,
                   "boot_id": "b", "kernel": "6.1", "proctrace_version": "0.1.0", "recorder_pid": 2})
        self.emit({"event": "exists", "pid": 1, "ppid": 0, "comm": "init", "start_time": 1, "state": "S",
                   "filename": "/sbin/init", "argv": ["/sbin/init"], "argv_truncated": False, "exe": "/sbin/init"})

    def emit(self, record):
        self.seq += 1
        self.time += 1_000
        line = {"seq": self.seq, "time": "%s.%09dZ" % (
            __import__("time").strftime("%Y-%m-%dT%H:%M:%S", __import__("time").gmtime(self.time // 10**9)),
            self.time % 10**9)}
        line.update(record)
        self.lines.append(json.dumps(line, ensure_ascii=False))
        return self.seq

    def process(self, pid, ppid, start):
        return {"pid": pid, "ppid": ppid, "comm": "p", "start_time": start}

    def fork(self, pid, ppid):
        self.start += 1
        self.emit({"event": "fork", **self.process(pid, ppid, self.start)})
        return self.start

    def exec(self, pid, ppid, start, image, command_line, cwd, uid, session):
        creds = {k: uid for k in ("uid", "euid", "suid", "gid", "egid", "sgid")}
        return self.emit({"event": "exec", **self.process(pid, ppid, start), "filename": image,
                          "argv": command_line.split(" "), "argv_truncated": False, **creds,
                          "audit_session": None if session is None else int(session), "cwd": cwd, "exe": image})

    def end(self, pid, ppid, start):
        self.emit({"event": "exit", **self.process(pid, ppid, start), "exit_code": 0, "signal": None,
                   "core_dumped": False, "duration_ns": 1})
        self.emit({"event": "reap", **self.process(pid, ppid, start), "reaper": ppid, "reason": "wait"})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proctrace", required=True)
    parser.add_argument("--rules", required=True)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=29)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    files = sorted(glob.glob(os.path.join(args.rules, "**", "*.y*ml"), recursive=True))
    backend = sqliteBackend()
    rules, queries, unconverted = [], {}, []
    for path in files:
        collection = SigmaCollection.from_yaml(open(path, encoding="utf-8").read())
        for rule in collection.rules:
            try:
                queries[str(rule.id)] = backend.convert_rule(rule)
                rules.append(rule)
            except Exception as error:  # pySigma cannot evaluate it: nothing to compare
                unconverted.append("%s: %s" % (path, error))

    host = socket.gethostname()
    names = {0: pwd.getpwuid(0).pw_name, 65534: pwd.getpwuid(65534).pw_name}
    recording = Recording(host)
    rows = []
    pid = 100
    for event in generate(rng, rules, args.events):
        parent = pid = pid + 1
        parent_start = recording.fork(parent, 1)
        parent_seq = recording.exec(parent, 1, parent_start, event["ParentImage"], event["ParentCommandLine"], "/", 0, None)
        # The parent's exec is a process creation too, under init.
        rows.append((parent_seq, event["ParentImage"], event["ParentCommandLine"], "/sbin/init", "/sbin/init", "/",
                     names[0], None))
        direct = rng.random() < 0.8
        forker, forker_start = parent, parent_start
        if not direct:  # a forked child of the parent that never execs: the exec's parent runs the parent's image
            forker = pid = pid + 1
            forker_start = recording.fork(forker, parent)
        child = pid = pid + 1
        child_start = recording.fork(child, forker)
        seq = recording.exec(child, forker, child_start, event["Image"], event["CommandLine"],
                             event["CurrentDirectory"], event["uid"], event["LogonId"])
        rows.append((seq, event["Image"], event["CommandLine"], event["ParentImage"], event["ParentCommandLine"],
                     event["CurrentDirectory"], names[event["uid"]],
                     None if event["LogonId"] is None else str(int(event["LogonId"]))))
        recording.end(child, forker, child_start)
        if not direct:
            recording.end(forker, parent, forker_start)
        recording.end(parent, 1, parent_start)

    database = sqlite3.connect(":memory:")
    database.create_function(
        "REGEXP", 2, lambda pattern, value: None if value is None else int(re.search(pattern, value) is not None))
    database.execute("CREATE TABLE logs (rowid INTEGER PRIMARY KEY, %s)"
                     % ", ".join("%s TEXT COLLATE NOCASE" % f for f in FIELDS))
    database.executemany("INSERT INTO logs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    expected = set()
    for rule_id, rule_queries in queries.items():
        for query in rule_queries:
            for (seq,) in database.execute(query.replace("SELECT *", "SELECT rowid", 1)):
                expected.add((rule_id, seq))

    with tempfile.TemporaryDirectory() as directory:
        log = os.path.join(directory, "events.jsonl")
        with open(log, "w", encoding="utf-8") as out:
            out.write("\n".join(recording.lines) + "\n")
        run = subprocess.run([args.proctrace, "hunt", "--json", "--rules", args.rules, log],
                             capture_output=True, text=True)
    if run.returncode not in (0, 1):
        print("proctrace hunt failed (%d): %s" % (run.returncode, run.stderr), file=sys.stderr)
        return 2
    actual = {(a["rule"]["id"], a["seq"]) for a in map(json.loads, run.stdout.splitlines())}

    by_rule = {}
    for rule_id, seq in expected ^ actual:
        by_rule.setdefault(rule_id, []).append(("pySigma only" if (rule_id, seq) in expected else "proctrace only", seq))
    rows_by_seq = {row[0]: row for row in rows}
    for rule_id, differences in sorted(by_rule.items()):
        for side, seq in sorted(differences, key=lambda d: d[1])[:3]:
            print("DIFFERS %s seq %d (%s): %s" % (rule_id, seq, side, dict(zip(["seq"] + FIELDS, rows_by_seq[seq]))))
    matched_rules = {rule_id for rule_id, _ in expected}
    print("rules: %d converted by pySigma, %d not (%s); execs: %d; matches: %d (%d rules matched at least once)"
          % (len(queries), len(unconverted), "; ".join(unconverted) or "none", len(rows), len(expected), len(matched_rules)))
    print("%d passed, %d failed" % (len(queries) - len(by_rule), len(by_rule)))
    return 1 if by_rule else 0


if __name__ == "__main__":
    sys.exit(main())
