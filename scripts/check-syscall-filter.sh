#!/usr/bin/env bash
# Checks that the unit's SystemCallFilter= allows every system call proctrace
# makes: traces `record` (bpf, and netlink, with rotation and gzip) and
# `config check` with strace, expands the filter's @groups with
# systemd-analyze, and lists what the filter would refuse. Needs root, strace
# and systemd-analyze. Usage: scripts/check-syscall-filter.sh UNIT PROCTRACE
set -euo pipefail
unit=$1
proctrace=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

printf 'output = "%s/events.jsonl"\nrotate_size = "8K"\nrotate_keep = 2\ncompress = true\n' "$work" >"$work/proctrace.toml"
# strace has once been seen wedged in a tracing stop on this kernel: bound
# each run, and try a wedged one once more before giving up.
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
traced "$work/bpf.trace" "$proctrace" record --config "$work/proctrace.toml" --backend bpf --duration 2
traced "$work/netlink.trace" "$proctrace" record --config "$work/proctrace.toml" --backend netlink --duration 1
traced "$work/check.trace" "$proctrace" config check "$work/proctrace.toml"
cat "$work"/*.trace | sed -E 's/^[0-9]+ +//' | grep -oE '^[a-z_0-9]+\(' | tr -d '(' | sort -u >"$work/used"
refused=$(comm -23 "$work/used" "$work/allowed")
if [ -n "$refused" ]; then
  echo "SystemCallFilter= in $unit refuses system calls proctrace makes:" $refused >&2
  exit 1
fi
echo "SystemCallFilter= allows all $(wc -l <"$work/used") system calls proctrace makes"
