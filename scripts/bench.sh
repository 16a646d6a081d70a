#!/usr/bin/env bash
# The performance benchmark of the README's "Performance" section. On the pinned corpus, it
# measures side by side, in one run:
#   - tasklint on the Python corpus against ruff (pinned version, RUF006 only, no cache);
#   - tasklint against ripgrep reading the same files, on the Python and on the Rust corpus;
#   - the peak memory of each;
#   - tasklint on 1, 2 and 4 copies of the Python corpus.
# The commands of one comparison run in alternation, after a warm-up round; it prints medians
# and ratios, and no verdict.
#
# Usage: scripts/bench.sh [CORPUS_DIR]   (default: target/corpus, fetched if missing)
#   $BENCH_RUNS: measured rounds per comparison (default 7, at least 5 is sensible).
#   $TASKLINT_BIN: the binary to measure (default: a release build of this checkout).
#   $BASELINE_BIN: another tasklint binary (an older build) measured beside it on both corpora.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/common.sh"
corpus=$(ensure_corpus "${1:-$root/target/corpus}")
tasklint=$(release_tasklint)
ruff=$(ruff_binary)
rg=$(ripgrep_binary)

# The copies of the Python corpus's modules for the scaling runs: COPIES/Nx/copy-K/<package>/...
copies=$root/target/bench-copies
for n in 2 4; do
  if [[ ! -f $copies/${n}x/.done ]]; then
    rm -rf "$copies/${n}x"
    for k in $(seq 1 "$n"); do
      mkdir -p "$copies/${n}x/copy-$k"
      (cd "$corpus/python" && find . -name '*.py' -o -name '*.pyi' | tar -cf - -T -) |
        tar -xf - -C "$copies/${n}x/copy-$k"
    done
    touch "$copies/${n}x/.done"
  fi
done

exec python3 "$root/scripts/bench.py" --runs "${BENCH_RUNS:-7}" \
  --tasklint "$tasklint" --ruff "$ruff" --rg "$rg" --corpus "$corpus" --copies "$copies" \
  ${BASELINE_BIN:+--baseline "$(realpath "$BASELINE_BIN")"}
