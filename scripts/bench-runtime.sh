#!/usr/bin/env bash
# Times the reference runtime against CPython on the benchmark programs of
# fixtures/runtime/bench/ (100,000 tasks created and gathered; 1,000,000 inline awaits of a
# coroutine): `python3 PROGRAM` and `tasklint run --gc strong PROGRAM`, side by side. A benchmark,
# not a test: it prints the figures and the ratios, and fails only when a command fails or the
# two print different output.
#
# The two commands alternate (one run of each per round, with hyperfine), so that a change of
# load on the machine weighs on both alike; the first round starts with a warm-up run of each.
#
# Usage: scripts/bench-runtime.sh [RUNS]
#   RUNS: rounds, at least 5 (default 10).
#   $TASKLINT_BIN: the binary to time (default: a release build of this checkout, built under
#   $CARGO_TARGET_DIR or target/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-10}
if ((runs < 5)); then
  echo "bench-runtime.sh: at least 5 runs, not $runs" >&2
  exit 2
fi
for tool in python3 hyperfine; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench-runtime.sh: \`$tool\` is not installed" >&2
    exit 2
  fi
done
if [[ -z ${TASKLINT_BIN:-} ]]; then
  cargo build --release --quiet --manifest-path "$root/Cargo.toml" --bin tasklint
  TASKLINT_BIN=${CARGO_TARGET_DIR:-$root/target}/release/tasklint
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
programs=("$root"/fixtures/runtime/bench/*.py)

for program in "${programs[@]}"; do
  python3 "$program" >"$work/python.out"
  "$TASKLINT_BIN" run --gc strong "$program" >"$work/tasklint.out" 2>/dev/null
  if ! cmp -s "$work/python.out" "$work/tasklint.out"; then
    echo "bench-runtime.sh: $(basename "$program"): tasklint run prints something else than python3" >&2
    diff "$work/python.out" "$work/tasklint.out" >&2 || true
    exit 1
  fi
  for round in $(seq 1 "$runs"); do
    warmup=()
    if ((round == 1)); then
      warmup=(--warmup 1)
    fi
    hyperfine --shell=none --style none --runs 1 "${warmup[@]}" \
      --export-json "$work/$(basename "$program" .py)-$round.json" \
      "python3 $program" "$TASKLINT_BIN run --gc strong $program" >/dev/null
  done
done

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "python3: $(python3 --version 2>&1); tasklint: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
python3 - "$work" "$runs" "${programs[@]}" <<'PY'
import json, os, statistics, sys

work, runs, programs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"{runs} alternating runs each, seconds (median, min-max):")
print(f"{'program':<24} {'python3':>22} {'tasklint run --gc strong':>26} {'ratio':>7}")
for program in programs:
    name = os.path.splitext(os.path.basename(program))[0]
    times = {"python3": [], "tasklint": []}
    for round in range(1, runs + 1):
        with open(os.path.join(work, f"{name}-{round}.json")) as file:
            python, tasklint = json.load(file)["results"]
        times["python3"] += python["times"]
        times["tasklint"] += tasklint["times"]
    median = {tool: statistics.median(values) for tool, values in times.items()}
    cell = lambda tool: f"{median[tool]:.3f} ({min(times[tool]):.3f}-{max(times[tool]):.3f})"
    ratio = median["tasklint"] / median["python3"]
    print(f"{name:<24} {cell('python3'):>22} {cell('tasklint'):>26} {ratio:>6.2f}x")
PY
