#!/usr/bin/env bash
# Compares tasklint with ruff's RUF006 on the pinned Python corpus: every RUF006 finding must be
# reported by tasklint as TL001 or TL002 on the same line; tasklint's other findings are listed
# for review. Prints figures; asserts nothing about time.
# Usage: scripts/compare-with-ruff.sh [CORPUS_DIR]   (default: target/corpus)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/common.sh"
corpus=$(ensure_corpus "${1:-$root/target/corpus}")
ruff=$(ruff_binary)
tasklint=$(release_tasklint)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$corpus/python"
"$ruff" check --isolated --no-cache --select RUF006 --output-format json . >"$work/ruff.json" || [[ $? == 1 ]]

python3 - "$work" "$tasklint" <<'PY'
import collections, json, os, subprocess, sys, time
work, binary = sys.argv[1], sys.argv[2]
start = time.perf_counter()
run = subprocess.run([binary, "check", "--format", "json", "."], capture_output=True, text=True)
seconds = time.perf_counter() - start
if run.returncode not in (0, 1):
    sys.exit(f"tasklint failed ({run.returncode}): {run.stderr}")
with open(f"{work}/tasklint.json", "w") as out:
    out.write(run.stdout)
def rel(path):
    return os.path.relpath(path).removeprefix("./")
tasklint = json.load(open(f"{work}/tasklint.json"))
ruff = json.load(open(f"{work}/ruff.json"))
files = sum(1 for _, _, names in os.walk(".") for n in names if n.endswith((".py", ".pyi")))
print(f"files: {files}   tasklint wall time: {seconds:.2f} s")
print("tasklint findings per rule:", dict(sorted(collections.Counter(d["code"] for d in tasklint).items())))
kept = {(rel(d["path"]), d["line"]) for d in tasklint if d["code"] in ("TL001", "TL002")}
ruff_sites = {(rel(d["filename"]), d["location"]["row"]) for d in ruff}
missed = sorted(ruff_sites - kept)
print(f"ruff RUF006 findings: {len(ruff_sites)}   also reported by tasklint: {len(ruff_sites) - len(missed)}")
for path, line in missed:
    print(f"  MISSED {path}:{line}")
print("tasklint findings that RUF006 does not report:")
for d in tasklint:
    site = (rel(d["path"]), d["line"])
    if site not in ruff_sites:
        text = open(site[0], encoding="utf-8").read().splitlines()[site[1] - 1].strip()
        print(f"  {site[0]}:{site[1]} {d['code']} {d['label']}\n      {text[:100]}")
sys.exit(1 if missed else 0)
PY
