"""Wall time of the whole test suite (`uv run pytest`, as CI runs it): the figure issue 12 targets.

Runs `python -m pytest` (no paths: the whole suite, so conftest.py spreads it over pytest-xdist
workers) in a fresh process from the repository's root and reports the wall time, the CPU time
the run and its children used, the pass/fail counts, the slowest tests, and the machine's load
before and after — a figure on a shared machine means little without the load next to it.

    uv run python benchmarks/bench_suite.py                  # the suite as `uv run pytest` runs it
    uv run python benchmarks/bench_suite.py --serial         # in one process (-p no:xdist), to compare
    uv run python benchmarks/bench_suite.py --alongside      # two suites at once: a second job on the machine
    uv run python benchmarks/bench_suite.py -- -k money      # anything after -- goes to pytest

Target: ≤ 180 s wall on an idle 2-core machine (TARGET_S). Exit code 0 if every run passed and
met the target, 1 otherwise. Not collected by `uv run pytest` (testpaths are tests/ and
conform/harness/conformance/).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 180.0


def load() -> tuple[float, float, float]:
    return os.getloadavg()


def start(extra: list[str], serial: bool, durations: int) -> tuple[subprocess.Popen, Path, float]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", f"--durations={durations}", *extra]
    if serial:
        cmd[3:3] = ["-p", "no:xdist"]
    out = Path(tempfile.mkstemp(prefix="bench-suite-", suffix=".log")[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST")}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out.open("wb"), stderr=subprocess.STDOUT, env=env)
    return proc, out, time.monotonic()


def summary(text: str) -> dict[str, int]:
    tail = "\n".join(text.splitlines()[-5:])
    return {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)", tail)}


def slowest(text: str, n: int) -> list[str]:
    rows = re.findall(r"^\s*(\d+\.\d+)s (call|setup|teardown)\s+(\S+)", text, re.MULTILINE)
    return [f"{float(t):7.2f}s {when:8s} {node}" for t, when, node in rows[:n]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serial", action="store_true", help="run in one process (-p no:xdist)")
    ap.add_argument("--alongside", action="store_true", help="run two suites at the same time")
    ap.add_argument("--slowest", type=int, default=15, help="slowest tests to list (default 15)")
    ap.add_argument("--json", dest="json_out", default=None, help="also write the figures to this JSON file")
    ap.add_argument("pytest_args", nargs="*", help="after --: passed to pytest")
    args = ap.parse_args(argv)

    before = load()
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    runs = [start(args.pytest_args, args.serial, max(args.slowest, 1)) for _ in range(2 if args.alongside else 1)]
    results = []
    for proc, out, t0 in runs:
        code = proc.wait()
        wall = time.monotonic() - t0
        text = out.read_text(encoding="utf-8", errors="replace")
        out.unlink()
        results.append({"wall_s": round(wall, 1), "exit_code": code, "counts": summary(text),
                        "slowest": slowest(text, args.slowest)})
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    after = load()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    figures = {"mode": "serial" if args.serial else "xdist (conftest default)", "alongside": args.alongside,
               "cores": cores, "load_before": [round(x, 2) for x in before],
               "load_after": [round(x, 2) for x in after], "cpu_s_all_runs": round(cpu, 1),
               "target_s": TARGET_S, "runs": results}

    print(f"测试套件耗时 Suite wall time — {figures['mode']}{', two suites at once' if args.alongside else ''}; "
          f"{cores} cores; load average before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, "
          f"after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")
    ok = True
    for i, r in enumerate(results, 1):
        met = r["exit_code"] == 0 and r["wall_s"] <= TARGET_S
        ok &= met
        print(f"  run {i}: {r['wall_s']:.1f} s wall (target ≤ {TARGET_S:.0f} s idle) exit {r['exit_code']} "
              f"{r['counts']}")
        for row in r["slowest"]:
            print("      " + row)
    print(f"  CPU time (user+sys, all runs and their children): {cpu:.1f} s")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
