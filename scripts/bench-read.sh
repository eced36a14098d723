#!/usr/bin/env bash
# Reading logs with the commands users run: `replay --max --json`, `stats`,
# `tree --from` and `hunt` (every shared Sigma rule, ../shared/sigma), end to end (process start, file read, decode, tree, output),
# side by side in one run with `jq -c .` and `cat`, alternating, and the
# instructions per line of each (callgrind, on a smaller log).
#
#   scripts/bench-read.sh              # ~1,016,000 lines, 5 rounds
#   QUICK=1 scripts/bench-read.sh      # ~100,000 lines, 2 rounds: checks the script
#   ROUNDS=9 LOG=some.jsonl scripts/bench-read.sh
#   PARTS=instructions scripts/bench-read.sh   # only callgrind (PARTS: "time instructions")
#   BASELINE_BIN=old/proctrace scripts/bench-read.sh   # also times replay/stats/tree/hunt of another build, in the same rounds
#   NAMES="replay stats hunt cat" PARTS=time scripts/bench-read.sh   # only these commands (base-* added with BASELINE_BIN)
#
# The log is the replay benchmark's: the record pipeline's output for a
# generated fork+exec storm (`proctrace-bench write-log`), 4 records per
# process, 1 exec in 4 a 17-argument command line, ~236 bytes a line.
# jq reads a JOBS_LINES-line prefix (it runs at ~50,000 lines/s: the whole
# log would take 20 s a round). Prints one JSON object per measurement
# (kind "read" and "read-instructions"), appended to $RESULTS if set;
# "vs_stats_by_round" is each command's speed over stats' in the same round
# (lower quartile, median, upper quartile): the machine's speed drifts.
# Needs the release builds of proctrace and proctrace-bench (make bench builds them).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release/proctrace}
BENCH=${BENCH:-.build/release/proctrace-bench}
OUT=${OUT:-.build/bench}
if [ "${QUICK:-0}" = 1 ]; then
  PROCESSES=${PROCESSES:-25000} ROUNDS=${ROUNDS:-2} CALLGRIND_PROCESSES=${CALLGRIND_PROCESSES:-5000}
else
  PROCESSES=${PROCESSES:-254000} ROUNDS=${ROUNDS:-5} CALLGRIND_PROCESSES=${CALLGRIND_PROCESSES:-25000}
fi
JQ_LINES=${JQ_LINES:-100000}
SIGMA_RULES=${SIGMA_RULES:-../shared/sigma}
for tool in "$BIN" "$BENCH"; do
  [ -x "$tool" ] || { echo "bench-read: $tool is missing: swift build -c release (or make bench)" >&2; exit 1; }
done
command -v jq >/dev/null || scripts/install-deps.sh jq
command -v valgrind >/dev/null || scripts/install-deps.sh valgrind
mkdir -p "$OUT"

LOG=${LOG:-$OUT/read.jsonl}
made_log=0
if [ ! -s "$LOG" ] || [ -n "${REMAKE:-}" ]; then
  "$BENCH" write-log --processes "$PROCESSES" --output "$LOG" >/dev/null
  made_log=1
fi
small=$OUT/read-callgrind.jsonl
"$BENCH" write-log --processes "$CALLGRIND_PROCESSES" --output "$small" >/dev/null
head -n 1 "$small" > "$OUT/read-empty.jsonl"
head -n "$JQ_LINES" "$LOG" > "$OUT/read-jq.jsonl"

load() { cut -d' ' -f1-3 /proc/loadavg; }
emit() { [ -n "${RESULTS:-}" ] && echo "$1" >> "$RESULTS"; echo "$1"; }

# name, then the command (a shell fragment: $1 is the log).
read -r -a names <<< "${NAMES:-replay replay-pipe stats tree hunt jq cat}"
BASELINE_BIN=${BASELINE_BIN:-}
if [ -n "$BASELINE_BIN" ]; then
  for name in replay stats tree hunt; do
    [[ " ${names[*]} " == *" $name "* ]] && names+=("base-$name")
  done
fi
command_of() {
  case $1 in
    replay) echo "\"$BIN\" replay --max --json \"\$1\" > /dev/null" ;;
    replay-pipe) echo "\"$BIN\" replay --max --json \"\$1\" | cat > /dev/null" ;;
    stats) echo "\"$BIN\" stats \"\$1\" > /dev/null" ;;
    tree) echo "\"$BIN\" tree --from \"\$1\" > /dev/null" ;;
    # Exit status 1 is "something matched".
    hunt) echo "\"$BIN\" hunt --rules \"$SIGMA_RULES\" \"\$1\" > /dev/null 2>&1 || [ \$? -eq 1 ]" ;;
    jq) echo "jq -c . \"\$1\" > /dev/null" ;;
    cat) echo "cat \"\$1\" > /dev/null" ;;
    base-replay) echo "\"$BASELINE_BIN\" replay --max --json \"\$1\" > /dev/null" ;;
    base-stats) echo "\"$BASELINE_BIN\" stats \"\$1\" > /dev/null" ;;
    base-tree) echo "\"$BASELINE_BIN\" tree --from \"\$1\" > /dev/null" ;;
    base-hunt) echo "\"$BASELINE_BIN\" hunt --rules \"$SIGMA_RULES\" \"\$1\" > /dev/null 2>&1 || [ \$? -eq 1 ]" ;;
  esac
}
log_of() { [ "$1" = jq ] && echo "$OUT/read-jq.jsonl" || echo "$LOG"; }

lines=$(wc -l < "$LOG")
jq_lines=$(wc -l < "$OUT/read-jq.jsonl")
bytes=$(stat -L -c %s "$LOG")
cat "$LOG" > /dev/null  # in the page cache for every command alike
PARTS=${PARTS:-time instructions}
if [[ " $PARTS " == *" time "* ]]; then
samples=$OUT/read-samples.txt
: > "$samples"
load_before=$(load)
for round in $(seq 1 "$ROUNDS"); do
  # A different command first each round: none always runs right after another.
  count=${#names[@]}
  for k in $(seq 0 $((count - 1))); do
    name=${names[$(( (k + round) % count ))]}
    t0=$(date +%s%N)
    sh -c "$(command_of "$name")" sh "$(log_of "$name")"
    t1=$(date +%s%N)
    echo "$name $round $((t1 - t0))" >> "$samples"
  done
done
load_after=$(load)

emit "$(python3 - "$samples" "$lines" "$jq_lines" "$bytes" "$load_before" "$load_after" <<'EOF'
import json, statistics, sys
path, lines, jq_lines, size, before, after = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
ns = {}
by_round = {}
for row in open(path):
    name, round_, t = row.split()
    ns.setdefault(name, []).append(int(t))
    by_round.setdefault(round_, {})[name] = int(t)
rate = {n: (jq_lines if n == "jq" else lines) / (statistics.median(v) / 1e9) for n, v in ns.items()}
out = {"kind": "read", "lines": lines, "bytes": size, "rounds": len(next(iter(ns.values()))), "jq_lines": jq_lines,
       "lines_per_s": {n: round(r) for n, r in rate.items()},
       "runs_ms": {n: [round(t / 1e6, 1) for t in v] for n, v in ns.items()}}
for base in ("cat", "jq", "stats"):
    if base in rate:
        out["vs_" + base] = {n: round(r / rate[base], 4) for n, r in rate.items()}
# The machine's speed drifts within a run (a fifth and more, over minutes): each command against stats
# in the same round, then the median and quartiles of those speed ratios, follow the drift less.
if "stats" in ns and len(by_round) >= 4:
    paired = {}
    for n in ns:
        if n == "jq":
            continue
        ratios = sorted(r["stats"] / r[n] for r in by_round.values() if n in r and "stats" in r)
        quartiles = statistics.quantiles(ratios, n=4)
        paired[n] = [round(quartiles[0], 3), round(statistics.median(ratios), 3), round(quartiles[2], 3)]
    out["vs_stats_by_round"] = paired
out["load"] = f"{before} -> {after}"
print(json.dumps(out))
EOF
)"
fi

if [[ " $PARTS " == *" instructions "* ]]; then
# Instructions per line: the whole command on the small log, less the same
# command on a log of only its start record (start-up, argument parsing).
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected :/ {print $NF}'
}
arguments_of() {
  case $1 in
    replay) echo "replay --max --json" ;;
    stats) echo "stats" ;;
    tree) echo "tree --from" ;;
    hunt) echo "hunt --rules $SIGMA_RULES" ;;
  esac
}
callgrind_lines=$(wc -l < "$small")
# Valgrind gives up on the release binary's DWARF ("possibly corrupted
# debuginfo"); a copy without it (symbols kept) runs the same instructions.
counted=$OUT/proctrace-callgrind
cp "$BIN" "$counted"
strip --strip-debug "$counted"
per_line=""
for name in replay stats tree hunt; do
  # shellcheck disable=SC2046 # the arguments are words
  full=$(instructions "$counted" $(arguments_of "$name") "$small")
  # shellcheck disable=SC2046
  empty=$(instructions "$counted" $(arguments_of "$name") "$OUT/read-empty.jsonl")
  per_line+="\"$name\":{\"instructions\":$full,\"startup\":$empty,\"per_line\":$(( (full - empty) / (callgrind_lines - 1) ))},"
done
emit "{\"kind\":\"read-instructions\",\"lines\":$callgrind_lines,${per_line%,},\"load\":\"$(load)\"}"
rm -f "$counted"
fi
rm -f "$small" "$OUT/read-empty.jsonl" "$OUT/read-jq.jsonl"
[ "$made_log" = 1 ] && [ -z "${KEEP_LOG:-}" ] && rm -f "$LOG"
exit 0
