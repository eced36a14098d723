#!/usr/bin/env python3
"""Makes a large recording from a real one, for `make bench`'s report phase.

  repeat-recording.py LOG RECORDS OUT

Writes OUT: LOG's start record and snapshot (`exists`) once, then the rest of
LOG over and over until OUT holds at least RECORDS records, each copy shifted
after the previous one in time (and in boot time for start_time), with the
PIDs of processes forked in LOG renumbered per copy (their parents, reapers
and loadgen's pt-mark arguments too), seq counted anew, and one stop record.
What the copies contain is what the real recording caught.
"""
import calendar
import functools
import json
import sys
import time


def main(log_path, wanted, out_path):
    with open(log_path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    start = records[0]
    snapshot = [r for r in records if r["event"] == "exists"]
    body = [r for r in records[1:] if r["event"] not in ("exists", "stop", "start")]
    forked = {r["pid"] for r in body if r["event"] == "fork"}
    if not body or not forked:
        sys.exit(f"{log_path}: no fork records to repeat")
    stride = max(forked) - min(forked) + 1000
    times = [r["time"] for r in body]
    first, last = min(times), max(times)
    span_ns = parse_ns(last) - parse_ns(first) + 1_000_000
    seq = 0

    def renumber(pid, copy):
        return pid + copy * stride if pid in forked else pid

    with open(out_path, "w") as out:
        def write(record):
            nonlocal seq
            record["seq"] = seq
            seq += 1
            out.write(json.dumps(record, separators=(",", ":")) + "\n")

        write(dict(start))
        for record in snapshot:
            write(dict(record))
        copy = 0
        while seq < wanted:
            shift = copy * span_ns
            for original in body:
                record = dict(original)
                record["time"] = format_ns(parse_ns(record["time"]) + shift)
                if "start_time" in record and record["pid"] in forked:
                    record["start_time"] += shift
                for key in ("pid", "ppid", "old_ppid", "reaper"):
                    if isinstance(record.get(key), int):
                        record[key] = renumber(record[key], copy)
                if copy and record.get("argv"):
                    record["argv"] = [a.replace("pt-mark-", f"pt-mark-c{copy}-", 1) for a in record["argv"]]
                write(record)
            copy += 1
        stop = {"seq": 0, "time": format_ns(parse_ns(last) + (copy - 1) * span_ns + 1000), "event": "stop",
                "events": seq - 1, "lost": 0, "unwritten": 0}
        write(stop)
    print(json.dumps({"records": seq, "copies": copy, "source_records": len(records)}))


@functools.lru_cache(maxsize=4096)
def epoch_seconds(date):
    return calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%S"))


@functools.lru_cache(maxsize=4096)
def date_text(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def parse_ns(text):
    date, fraction = text.rstrip("Z").split(".")
    return epoch_seconds(date) * 1_000_000_000 + int(fraction.ljust(9, "0"))


def format_ns(ns):
    seconds, fraction = divmod(ns, 1_000_000_000)
    return f"{date_text(seconds)}.{fraction:09d}Z"


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
