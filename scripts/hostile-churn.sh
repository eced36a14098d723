#!/usr/bin/env bash
# proctrace's own memory under hostile process churn (docs/service.md): runs
# the HostileChurn tests alone, so resident memory is theirs, at SCALE times
# the default counts (default 10: two million short-lived processes), and
# prints what each pattern left behind. Usage: scripts/hostile-churn.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests -q
PROCTRACE_CHURN_ALONE=1 PROCTRACE_CHURN_SCALE="${1:-10}" swift test --skip-build --filter HostileChurnTests 2>&1 |
  grep -E '^hostile churn:|Test run with'
