#!/usr/bin/env bash
# The README's test command while the machine is kept busy: LOAD_WORKERS busy loops (default
# 2, one per core here) compete with every test for the CPU, as other work on a CI host or a
# learner's laptop does. A test that fails only here has a race: its outcome depended on how
# fast the machine was. The loops are bounded (LOAD_SECONDS) and stopped however the run ends.
# Arguments go to the test command (pytest's options).
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${LOAD_WORKERS:-2}
bound=${LOAD_SECONDS:-5400}
pids=()
stop_load() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_load EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for _ in $(seq "$workers"); do
  timeout "$bound" bash -c 'while :; do :; done' &
  pids+=("$!")
done
start=$(date +%s)
status=0
bash scripts/test.sh "$@" || status=$?
echo "test-under-load: the test command exited $status after $(( $(date +%s) - start )) s beside $workers busy loop(s); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
