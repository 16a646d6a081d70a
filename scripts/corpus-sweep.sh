#!/usr/bin/env bash
# Runs tasklint over the whole pinned corpus (every file, every rule) and fails on:
#   - a crash (a signal, a stack overflow, an exit code other than 0, 1 or 2),
#   - an internal error (a panic caught by tasklint: "internal error while linting"),
#   - a TL000 syntax error on a Python file that CPython's `ast.parse` accepts,
#   - a TL000 on a Rust file that is not on the allow-list below.
# Prints the figures: files, findings per rule, TL000 per language with verdicts, wall time.
#
# Usage: scripts/corpus-sweep.sh [CORPUS_DIR]
#   CORPUS_DIR (or $TASKLINT_CORPUS; default target/corpus) is fetched with
#   ../shared/corpus/fetch.sh only when it is not there yet.
#   $TASKLINT_BIN: the binary to sweep with (default: a release build of this checkout,
#   built under $CARGO_TARGET_DIR or target/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/common.sh"
corpus=$(ensure_corpus "${1:-${TASKLINT_CORPUS:-$root/target/corpus}}")
TASKLINT_BIN=$(release_tasklint)

python3 - "$corpus" "$TASKLINT_BIN" <<'PY'
import collections, json, os, subprocess, sys, time

corpus, binary = sys.argv[1], sys.argv[2]

# Rust files syn cannot parse although rustc accepts them, each with the reason. syn's known
# limits: trait objects without `dyn` (edition 2015), cargo-script frontmatter (`---`), and
# syntax newer than the pinned syn.
RUST_ALLOWED = {
    # syn's known limits, on files rustc accepts:
    "rust/signal-hook-registry/src/lib.rs": "trait object without `dyn` (`type Action = Fn(..) + Send + Sync;`, kept for Rust 1.26)",
    "rust/aws-lc-rs/util/process-criterion-csv.rs": "cargo-script frontmatter (`---cargo`)",
    # Files rustc rejects too:
    "rust/headers/src/disabled/util/charset.rs": "disabled code with an unclosed delimiter (`parse(::<Charset>()`); not compiled",
    "rust/pin-project/tests/ui/pinned_drop/invalid-self.rs": "a UI test of syntax errors (`ref self`, `self @ S {}`)",
    "rust/amq-protocol/templates/protocol.rs": "a Handlebars template, not Rust",
    "rust/lapin/templates/channel.rs": "a Handlebars template, not Rust",
    "rust/lapin/templates/includes/exchange/delete.rs": "a Handlebars template fragment, not Rust",
}

os.chdir(corpus)
start = time.perf_counter()
run = subprocess.run(
    [binary, "check", "--no-ignore", "--select", "ALL", "--format", "json", "python", "rust"],
    capture_output=True,
    text=True,
)
seconds = time.perf_counter() - start
failures = []
if run.returncode not in (0, 1, 2):
    failures.append(f"tasklint crashed (exit {run.returncode}): {run.stderr[-2000:]}")
    print("\n".join(failures))
    sys.exit(1)
findings = json.loads(run.stdout)
errors = [line for line in run.stderr.splitlines() if line.startswith("tasklint: ") and ": warning: " not in line and not line.startswith("tasklint: warning:")]
internal = [line for line in errors if "internal error" in line]
not_utf8 = [line for line in errors if "not valid UTF-8" in line]
other_errors = [line for line in errors if line not in internal and line not in not_utf8]

def walked(top, suffixes):
    count = 0
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        count += sum(1 for n in names if n.endswith(suffixes) and not n.startswith("."))
    return count

py_files, rs_files = walked("python", (".py", ".pyi")), walked("rust", (".rs",))
print(f"corpus: {corpus}")
print(f"files: {py_files} Python, {rs_files} Rust   wall time: {seconds:.1f} s   exit code: {run.returncode}")
per_rule = collections.Counter((d["code"], "rust" if d["path"].endswith(".rs") else "python") for d in findings)
print("findings per rule:")
for code in sorted({code for code, _ in per_rule}):
    print(f"  {code}: {per_rule[(code, 'python')]} Python, {per_rule[(code, 'rust')]} Rust")

# Python TL000: CPython is the judge.
python_syntax = [d for d in findings if d["code"] == "TL000" and not d["path"].endswith(".rs")]
accepted = []
for d in python_syntax:
    check = subprocess.run(
        [sys.executable, "-c", "import ast,sys; ast.parse(open(sys.argv[1],'rb').read())", d["path"]],
        capture_output=True, text=True,
    )
    verdict = "CPython accepts it" if check.returncode == 0 else "CPython rejects it: " + (check.stderr.strip().splitlines() or ["?"])[-1]
    if check.returncode == 0:
        accepted.append(d)
    print(f"  TL000 {d['path']}:{d['line']}:{d['column']} {d['message']}\n      {verdict}")
print(f"Python TL000: {len(python_syntax)}, on files CPython accepts: {len(accepted)}")
for d in accepted:
    failures.append(f"TL000 on a file CPython accepts: {d['path']}:{d['line']}: {d['message']}")

# Python files that are not UTF-8: CPython reads them when they declare their encoding.
declared = []
for line in not_utf8:
    path = line.split("`")[1]
    if path.endswith(".py") or path.endswith(".pyi"):
        check = subprocess.run(
            [sys.executable, "-c", "import ast,sys; ast.parse(open(sys.argv[1],'rb').read())", path],
            capture_output=True,
        )
        if check.returncode == 0:
            declared.append(path)
print(f"not UTF-8: {len(not_utf8)} files; of them Python files CPython reads (PEP 263 encoding declaration): {len(declared)}")
for path in declared:
    print(f"  not linted (not UTF-8), CPython accepts: {path}")

# Rust TL000: listed; only the allow-list passes.
rust_syntax = [d for d in findings if d["code"] == "TL000" and d["path"].endswith(".rs")]
print(f"Rust TL000: {len(rust_syntax)}")
for d in rust_syntax:
    reason = RUST_ALLOWED.get(d["path"])
    print(f"  TL000 {d['path']}:{d['line']}:{d['column']} {d['message']}\n      {'allowed: ' + reason if reason else 'NOT ON THE ALLOW-LIST'}")
    if not reason:
        failures.append(f"TL000 on a Rust file not on the allow-list: {d['path']}:{d['line']}: {d['message']}")

print(f"internal errors: {len(internal)}   other errors: {len(other_errors)}")
for line in internal:
    failures.append(line)
for line in other_errors:
    print(f"  {line}")
if failures:
    print(f"\nFAILED: {len(failures)} problem(s)")
    for failure in failures:
        print(f"  {failure}")
    sys.exit(1)
print("\nsweep passed")
PY
