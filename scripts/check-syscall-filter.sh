#!/usr/bin/env bash
# Checks that the unit's SystemCallFilter= allows every system call proctrace
# makes: traces `record` (bpf, and netlink, with rotation and gzip; with a
# spool and a SIGHUP) and
# `config check` with strace, expands the filter's @groups with
# systemd-analyze, and lists what the filter would refuse. Needs root, strace
# and systemd-analyze. Usage: scripts/check-syscall-filter.sh UNIT PROCTRACE
set -euo pipefail
unit=$1
proctrace=$2
work=$(mktemp -d)

expand() {
  systemd-analyze syscall-filter "$1" | tail -n +2 | sed -e 's/^ *//' -e '/^#/d' -e '/^$/d' |
    while read -r name; do
      case "$name" in @*) expand "$name" ;; *) echo "$name" ;; esac
    done
}

filter=$(sed -n 's/^SystemCallFilter=//p' "$unit")
[ -n "$filter" ] || { echo "$unit has no SystemCallFilter=" >&2; exit 1; }
for entry in $filter; do
  case "$entry" in @*) expand "$entry" ;; *) echo "$entry" ;; esac
done | sort -u >"$work/allowed"

# Sealed (docs/sealing.md): the key state is read, rewritten and synced.
mkdir -m 700 "$work/state"
"$proctrace" seal init --key-file "$work/state/seal.key" --interval 1s >/dev/null 2>&1
printf 'output = "%s/events.jsonl"\nrotate_size = "8K"\nrotate_keep = 2\ncompress = true\nseal_key = "%s/state/seal.key"\n' \
  "$work" "$work" >"$work/proctrace.toml"
# Each recording follows only a small process tree this script starts, so it
# rotates (and compresses) a few dozen times however busy the machine is: a
# recording of everything under strace slows to a crawl in a fork storm.
churn() {
  sh -c 'sleep 0.5; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do /bin/true; /bin/true; /bin/true; done; exec sleep 30' >/dev/null 2>&1 &
  churn_pid=$!
}
stop_churn() { kill "$churn_pid" 2>/dev/null || true; wait "$churn_pid" 2>/dev/null || true; }
trap 'stop_churn; rm -rf "$work"' EXIT
# Bound each run, and try one that overran once more before giving up.
traced() {
  local trace=$1
  shift
  for attempt in 1 2; do
    local status=0
    timeout --kill-after=5 60 strace -f -qq -o "$trace" "$@" >/dev/null && return 0 || status=$?
    [ "$status" -ge 124 ] || return "$status"
    echo "strace run timed out (attempt $attempt): $*" >&2
  done
  return 1
}
churn
traced "$work/bpf.trace" "$proctrace" record --config "$work/proctrace.toml" --backend bpf --duration 2 --pid "$churn_pid" --descendants
stop_churn
churn
traced "$work/netlink.trace" "$proctrace" record --config "$work/proctrace.toml" --backend netlink --duration 2 --pid "$churn_pid" --descendants
stop_churn
# The spool (a receiver that is not there) and a SIGHUP reopening a log moved away.
churn
timeout --kill-after=5 60 strace -f -qq -o "$work/spool.trace" "$proctrace" record --config /dev/null --backend netlink \
  --duration 3 --pid "$churn_pid" --descendants -o "$work/spooled.jsonl" -o syslog+tcp://127.0.0.1:1 --spool "$work/spool" \
  >/dev/null 2>&1 &
timeout_pid=$!
for i in $(seq 200); do grep -q '"event":"start"' "$work/spooled.jsonl" 2>/dev/null && break; sleep 0.1; done
mv "$work/spooled.jsonl" "$work/spooled.jsonl.1"
# timeout → strace → record
kill -HUP "$(pgrep -P "$(pgrep -P "$timeout_pid")")"
wait "$timeout_pid" || { echo "record with a spool and a SIGHUP failed under strace" >&2; exit 1; }
stop_churn
[ -e "$work/spooled.jsonl" ] || { echo "SIGHUP did not reopen the log: the reopen went unchecked" >&2; exit 1; }
rotated=$(ls "$work"/events.jsonl.*.gz 2>/dev/null | wc -l)
[ "$rotated" -gt 0 ] || { echo "the recordings never rotated: rename and gzip went unchecked" >&2; exit 1; }
traced "$work/check.trace" "$proctrace" config check "$work/proctrace.toml"
cat "$work"/*.trace | sed -E 's/^[0-9]+ +//' | grep -oE '^[a-z_0-9]+\(' | tr -d '(' | sort -u >"$work/used"
refused=$(comm -23 "$work/used" "$work/allowed")
if [ -n "$refused" ]; then
  echo "SystemCallFilter= in $unit refuses system calls proctrace makes:" $refused >&2
  exit 1
fi
echo "SystemCallFilter= allows all $(wc -l <"$work/used") system calls proctrace makes"
