"""The measuring half of scripts/bench.sh: runs each comparison's commands in alternation
(one warm-up round, then --runs measured rounds), and prints for each command the median and
the minimum wall time and the median peak memory (the resident set size of the process, from
wait4), then the ratios between them. Prints figures only, no verdict."""

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time


def measure(command, cwd):
    """Runs one command with its output discarded; returns (wall seconds, peak RSS in MB)."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            stderr.seek(0)
            error = stderr.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(command)} exited with {code}:\n{error}")
    return seconds, usage.ru_maxrss / 1024


def compare(title, commands, cwd, runs):
    """Measures named commands in alternation; prints a table and returns the medians by name."""
    samples = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, command in commands.items():
            sample = measure(command, cwd)
            if round_number > 0:  # round 0 is the warm-up
                samples[name].append(sample)
    print(f"\n{title} (median of {runs} alternating runs after a warm-up)")
    print(f"  {'':<34}{'median s':>10}{'min s':>10}{'peak MB':>10}")
    medians = {}
    for name, measured in samples.items():
        wall = statistics.median(s for s, _ in measured)
        memory = statistics.median(m for _, m in measured)
        medians[name] = (wall, memory)
        print(f"  {name:<34}{wall:>10.3f}{min(s for s, _ in measured):>10.3f}{memory:>10.0f}")
    return medians


def ratio(label, numerator, denominator):
    print(f"  {label:<44}{numerator / denominator:>8.2f}x")


def compare_with_baseline(medians):
    """The ratios of tasklint to the baseline build, when one was measured."""
    if "baseline tasklint check" in medians:
        ratio("tasklint / baseline, wall time", medians["tasklint check"][0], medians["baseline tasklint check"][0])
        ratio("tasklint / baseline, peak memory", medians["tasklint check"][1], medians["baseline tasklint check"][1])


def corpus_size(folder, extensions):
    files = total = 0
    for parent, _, names in os.walk(folder):
        for name in names:
            if name.endswith(extensions):
                files += 1
                total += os.path.getsize(os.path.join(parent, name))
    return files, total / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for option in ("--tasklint", "--ruff", "--rg", "--corpus", "--copies"):
        parser.add_argument(option, required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", help="another tasklint binary to measure beside it (an older build)")
    args = parser.parse_args()
    python = os.path.join(args.corpus, "python")
    rust = os.path.join(args.corpus, "rust")
    version = subprocess.run([args.tasklint, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version} on {platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}")
    print("python corpus: {} files, {:.1f} MB".format(*corpus_size(python, (".py", ".pyi"))))
    print("rust corpus:   {} files, {:.1f} MB".format(*corpus_size(rust, (".rs",))))

    tasklint = [args.tasklint, "check", "--exit-zero", "."]
    # An older build may not know --exit-zero; exit code 1 (findings) is accepted anyway.
    baseline = {"baseline tasklint check": [args.baseline, "check", "."]} if args.baseline else {}
    py = compare(
        "Python corpus",
        {
            "tasklint check": tasklint,
            **baseline,
            "ruff check --select RUF006": [args.ruff, "check", "--isolated", "--no-cache", "--select", "RUF006", "--exit-zero", "."],
            "rg -c create_task -t py": [args.rg, "-c", "create_task", "-t", "py", "."],
        },
        python,
        args.runs,
    )
    ratio("tasklint / ruff, wall time", py["tasklint check"][0], py["ruff check --select RUF006"][0])
    ratio("tasklint / ruff, peak memory", py["tasklint check"][1], py["ruff check --select RUF006"][1])
    ratio("tasklint / rg, wall time", py["tasklint check"][0], py["rg -c create_task -t py"][0])
    compare_with_baseline(py)

    rs = compare(
        "Rust corpus",
        {"tasklint check": tasklint, **baseline, "rg -c spawn -t rust": [args.rg, "-c", "spawn", "-t", "rust", "."]},
        rust,
        args.runs,
    )
    ratio("tasklint / rg, wall time", rs["tasklint check"][0], rs["rg -c spawn -t rust"][0])
    compare_with_baseline(rs)

    scaled = compare(
        "Python corpus copies",
        {
            "tasklint check, 1x": [args.tasklint, "check", "--exit-zero", python],
            "tasklint check, 2x": [args.tasklint, "check", "--exit-zero", os.path.join(args.copies, "2x")],
            "tasklint check, 4x": [args.tasklint, "check", "--exit-zero", os.path.join(args.copies, "4x")],
        },
        args.corpus,
        args.runs,
    )
    one = scaled["tasklint check, 1x"][0]
    ratio("2x corpus / 1x corpus, wall time", scaled["tasklint check, 2x"][0], one)
    ratio("4x corpus / 1x corpus, wall time", scaled["tasklint check, 4x"][0], one)


if __name__ == "__main__":
    main()
