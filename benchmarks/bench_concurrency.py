"""Wall time of `conform run` at `concurrency` 1 and 8 against the sample system with 20 ms latency.

Starts the sample system as its own process (`--latency-ms`, default 20), then runs
`python -m conform.harness.cli run` with a conform.toml setting `concurrency` to each value, and compares
the statuses of every check in the two results.json: a fast run with different results fails.

    uv run python benchmarks/bench_concurrency.py                       # 1 and 8, the whole suite
    uv run python benchmarks/bench_concurrency.py --policy panzhihua --concurrency 1 4 8

Target: concurrency 8 several times faster than 1, identical results. Not collected by pytest.
Measured 2026-11-30 on the shared 2-core machine (load average ~17 from other jobs), whole suite,
717 checks: concurrency 1 769.8 s, concurrency 8 324.4 s (2.4x); again 487.8 s vs 238.4 s (2.0x);
identical statuses both times. The workers
share the 2 cores for their own collection and the reference oracle, so on a loaded 2-core
machine the CPU, not the 20 ms latency, caps the gain; an idle or larger machine gains more.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from sample_server import SampleServer  # noqa: E402


def run(url: str, concurrency: int, selection: list[str], work: Path) -> tuple[float, dict[str, str], int]:
    cfg = work / f"c{concurrency}.toml"
    cfg.write_text(f'[adapter]\nurl = "{url}"\nconcurrency = {concurrency}\ntimeout = 30\n', encoding="utf-8")
    out = work / f"out{concurrency}"
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "conform.harness.cli", "run", "--config", str(cfg), "--out", str(out),
                           "--format", "json", "--no-progress", "--seed", "1", *selection],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return wall, {c["nodeid"]: c["status"] for c in data["checks"]}, proc.returncode


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--policy", action="append", default=[])
    args = p.parse_args()
    selection = [x for pol in args.policy for x in ("--policy", pol)]
    results = {}
    with SampleServer(latency_ms=args.latency_ms) as server, tempfile.TemporaryDirectory() as tmp:
        for n in args.concurrency:
            wall, statuses, code = run(server.url, n, selection, Path(tmp))
            results[n] = statuses
            counts: dict[str, int] = {}
            for s in statuses.values():
                counts[s] = counts.get(s, 0) + 1
            print(f"concurrency {n:>3}: {wall:7.1f} s wall, exit {code}, {len(statuses)} checks {counts}", flush=True)
            results[n] = (wall, statuses)
    first = min(args.concurrency)
    base_wall, base = results[first]
    ok = True
    for n in sorted(set(args.concurrency) - {first}):
        wall, statuses = results[n]
        same = statuses == base
        ok &= same
        print(f"concurrency {n} vs {first}: {base_wall / wall:.1f}x faster, "
              f"{'identical results' if same else 'DIFFERENT results'}")
        if not same:
            diff = sorted(k for k in set(base) | set(statuses) if base.get(k) != statuses.get(k))
            print("  differ:", *diff[:20], sep="\n    ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
