"""Throughput of the properties against the reference in thorough mode: generated person-years per second.

Each item of a per-year property is one generated person-year (a person, a setting and a natural
year of 0–40 settlements) settled through the `reference` adapter — the same path as
`conform run --thorough` (conform/harness/properties/runner.py) — and checked. In thorough mode one
Hypothesis example carries a batch of 1–48 person-years (settings.BATCH, about 24 on average),
each drawn by Hypothesis, settled and checked on its own; a failure's counterexample is the failing
person-year alone. The figure counts person-years over wall time, generation, settlement,
year-to-date queries and checks included; for context it also reports the CPU time, generation
alone, the share of time spent generating, and the mean number of settlements per person-year.

    uv run python benchmarks/bench_properties.py                    # 200 examples (~4,900 person-years) per property and policy
    uv run python benchmarks/bench_properties.py --examples 50      # quicker
    uv run python benchmarks/bench_properties.py --profile          # plus a cProfile of one property

Not collected by `uv run pytest` (testpaths are tests/ and conform/harness/conformance/).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import given, seed, settings  # noqa: E402

from conform.harness.adapters.reference import ReferenceAdapter  # noqa: E402
from conform.harness.generators import person_year_batches  # noqa: E402
from conform.harness.properties import load  # noqa: E402
from conform.harness.properties.base import Context  # noqa: E402
from conform.harness.properties.runner import Budget, GuardedAdapter, _run_examples, _Tried  # noqa: E402
from conform.harness.properties.settings import BATCH  # noqa: E402 - also registers the profiles

TARGET = 3_000  # person-years per second (issue 12)
# Properties whose every item is exactly one person-year through the adapter.
PER_YEAR = ("annual_cap", "settlement_ratio_bound", "non_negative", "deductible", "money_identities")


def run_property(prop_id: str, policy: str, examples: int, seed_value: int) -> tuple[int, float, float]:
    """(person-years checked, wall seconds, CPU seconds) for one property and policy, run as the
    runner runs it under the thorough profile (batches included)."""
    prop = load()[prop_id]
    budget = Budget(120.0)
    ctx = Context(GuardedAdapter(ReferenceAdapter(), budget), policy, prop, budget)  # as the runner builds it
    count = _Tried(None)
    hyp = settings(settings.get_profile("thorough"), max_examples=examples)
    t0, c0 = time.perf_counter(), time.process_time()
    _run_examples(prop, ctx, hyp, seed_value, count, BATCH["thorough"])
    return count.items, time.perf_counter() - t0, time.process_time() - c0


def generation_only(policy: str, examples: int, seed_value: int) -> tuple[int, int, float]:
    """(person-years, settlements, CPU seconds) for drawing the same batches of person-years with nothing else done."""
    n = [0, 0]

    def example(batch) -> None:  # type: ignore[no-untyped-def]
        for py in batch if isinstance(batch, list) else [batch]:
            n[0] += 1
            n[1] += len(py.settlements)

    test = seed(seed_value)(settings(settings.get_profile("thorough"), max_examples=examples)(
        given(person_year_batches(policy, BATCH["thorough"]))(example)))
    c0 = time.process_time()
    test()
    return n[0], n[1], time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=200,
                    help="Hypothesis examples per property and policy, each a batch of person-years (default 200)")
    ap.add_argument("--seed", type=int, default=20230101)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of annual_cap under 南昌")
    args = ap.parse_args(argv)
    props = load()

    total_n, total_s, total_cpu = 0, 0.0, 0.0
    print(f"{'property':<24} {'policy':<10} {'person-years':>12} {'seconds':>8} {'per second':>11}")
    for pid in PER_YEAR:
        for policy in props[pid].policies:
            n, s, cpu = run_property(pid, policy, args.examples, args.seed)
            total_n += n
            total_s += s
            total_cpu += cpu
            print(f"{pid:<24} {policy:<10} {n:>12} {s:>8.2f} {n / s:>11,.0f}")
    rate = total_n / total_s
    gy = gs = 0
    gt = 0.0
    for policy in props["annual_cap"].policies:
        y, st_, t = generation_only(policy, args.examples, args.seed)
        gy, gs, gt = gy + y, gs + st_, gt + t
    gen_share = (gt / gy) / (total_cpu / total_n)
    print(f"\ngeneration alone: {gy / gt:,.0f} person-years per CPU second, {gs / gy:.1f} settlements per "
          f"person-year on average; about {gen_share:.0%} of the properties' CPU time")
    print(f"examples carry up to {BATCH['thorough']} person-years each (thorough profile); "
          f"{total_n / total_cpu:,.0f} person-years per CPU second")
    print(f"properties against the reference, thorough mode: {total_n} person-years in {total_s:.1f} s "
          f"→ {rate:,.0f} person-years/s (target {TARGET:,}/s: {'met' if rate >= TARGET else 'NOT met'})")
    if args.profile:
        pr = cProfile.Profile()
        pr.enable()
        run_property("annual_cap", "nanchang", min(args.examples, 1000), args.seed)
        pr.disable()
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).strip_dirs().sort_stats("tottime").print_stats(25)
        print(buf.getvalue())
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
