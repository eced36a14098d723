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
strace -f -qq -o "$work/bpf.trace" "$proctrace" record --config "$work/proctrace.toml" --backend bpf --duration 2 >/dev/null
strace -f -qq -o "$work/netlink.trace" "$proctrace" record --config "$work/proctrace.toml" --backend netlink --duration 1 >/dev/null
strace -f -qq -o "$work/check.trace" "$proctrace" config check "$work/proctrace.toml" >/dev/null
cat "$work"/*.trace | sed -E 's/^[0-9]+ +//' | grep -oE '^[a-z_0-9]+\(' | tr -d '(' | sort -u >"$work/used"
refused=$(comm -23 "$work/used" "$work/allowed")
if [ -n "$refused" ]; then
  echo "SystemCallFilter= in $unit refuses system calls proctrace makes:" $refused >&2
  exit 1
fi
echo "SystemCallFilter= allows all $(wc -l <"$work/used") system calls proctrace makes"
