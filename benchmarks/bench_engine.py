"""Throughput of the reference engine: settlements per second on one core.

Generates realistic person-years deterministically (1–30 settlements each,
mixed policies/regions, person types, facilities, benefit routes and amounts),
then times `PersonLedger.settle` alone — case generation and binding are done
beforehand; traces are built (as the engine always does) but never rendered.

    uv run python benchmarks/bench_engine.py                 # report settlements/s
    uv run python benchmarks/bench_engine.py --profile       # plus a cProfile of the hot path
    uv run pytest benchmarks/bench_engine.py                 # the same as a pytest-benchmark test

Not collected by the default `uv run pytest` (testpaths = ["tests"]).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import pstats
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conform.reference.case import Disease, Period, Person, Settlement  # noqa: E402
from conform.reference.engine import PersonLedger  # noqa: E402
from conform.reference.policy import Rules, bind  # noqa: E402

TARGET = 50_000  # settlements per second

# policy → (region, diseases the generator may register, whether med_type 13/28 take the inpatient route)
POLICIES = {
    "panzhihua": ("panzhihua-example", [("M00500", "chronic"), ("M03900", "two_disease")]),
    "nanchang": ("nanchang-example", [("M00500", "chronic"), ("M03900", "chronic")]),
    "jilin": ("jilin-example", [("M03900", "chronic"), ("M00500", "chronic"), ("M00600", "special")]),
    "beijing": ("beijing-example", []),
    "zhejiang": ("zhejiang-example", []),
}
POLICY_WEIGHTS = [("panzhihua", 3), ("nanchang", 2), ("jilin", 3), ("beijing", 1), ("zhejiang", 1)]
FACILITY_WEIGHTS = [("primary", 30), ("secondary", 25), ("tertiary", 25), ("pharmacy", 15), ("unrated", 5)]
PSN_WEIGHTS = [("1101", 55), ("1201", 30), ("1103", 10), ("1203", 5)]


def _pick(rng: random.Random, weighted):
    items, weights = zip(*weighted)
    return rng.choices(items, weights)[0]


def _amount(rng: random.Random) -> Decimal:
    """Outpatient bills: mostly tens to a few hundred yuan, a long tail to a few thousand."""
    fen = int(rng.lognormvariate(9.6, 1.0))  # median ≈ 147 yuan
    return Decimal(max(fen, 100)) / 100


def generate(people: int, seed: int = 20230101, year: int = 2023) -> list[tuple[Rules, Person, list[Settlement]]]:
    rng = random.Random(seed)
    rules = {p: bind(p, region) for p, (region, _) in POLICIES.items()}
    out = []
    for i in range(people):
        policy = _pick(rng, POLICY_WEIGHTS)
        psn_type = _pick(rng, PSN_WEIGHTS)
        flexible = psn_type in ("1103", "1203")
        diseases = tuple(Disease(code, kind) for code, kind in POLICIES[policy][1] if rng.random() < 0.15)
        stays = ()
        if policy == "jilin" and rng.random() < 0.05:
            start = dt.date(year, 1, 1) + dt.timedelta(rng.randrange(330))
            stays = (Period(start, start + dt.timedelta(rng.randrange(3, 20))),)
        person = Person(
            psn_no=f"B{i:07d}",
            psn_type=psn_type,
            birth_date=dt.date(rng.randrange(1940, 2000), rng.randrange(1, 13), rng.randrange(1, 29)),
            flex_tier=rng.choice((1, 1, 1, 2)) if flexible else None,
            remote_filing=rng.random() < 0.05,
            acct_balance=Decimal(rng.randrange(0, 300000)) / 100,
            diseases=diseases,
            hospital_stays=stays,
        )
        n = rng.randint(1, 30)
        days = sorted(rng.randrange(365) for _ in range(n))
        settlements = []
        for k, d in enumerate(days):
            facility = _pick(rng, FACILITY_WEIGHTS)
            med_type = "41" if facility == "pharmacy" else "11"
            dise = None
            r = rng.random()
            if diseases and r < 0.4:
                dz = rng.choice(diseases)
                if not (dz.kind == "special" and facility == "pharmacy"):
                    med_type, dise = "14", dz.dise_codg
            elif facility != "pharmacy" and r > 0.97:
                med_type = rng.choice(("13", "28"))
            total = _amount(rng)
            own = (total * Decimal(rng.choice((0, 0, 0, 5, 10, 20))) / 100).quantize(Decimal("0.01"))
            settlements.append(Settlement(
                id=f"{person.psn_no}-{k}",
                date=dt.date(year, 1, 1) + dt.timedelta(d),
                med_type=med_type,
                facility=facility,
                medfee_sumamt=total,
                fulamt_ownpay_amt=own,
                dise_codg=dise,
                remote=person.remote_filing and rng.random() < 0.5,
                exclusion="third_party" if policy == "panzhihua" and rng.random() < 0.01 else None,
                acct_used_flag=rng.random() < 0.8,
            ))
        out.append((rules[policy], person, settlements))
    return out


def run_once(population) -> int:
    """Settle every person-year once; returns the number of settlements."""
    n = 0
    for rules, person, settlements in population:
        ledger = PersonLedger(rules, person)
        settle = ledger.settle
        for s in settlements:
            settle(s)
        n += len(settlements)
    return n


def measure(population, repeats: int = 3) -> tuple[int, float]:
    """Best of `repeats` runs: (settlements, seconds)."""
    best = float("inf")
    n = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        n = run_once(population)
        best = min(best, time.perf_counter() - t0)
    return n, best


def profile(population, top: int = 25) -> str:
    pr = cProfile.Profile()
    pr.enable()
    run_once(population)
    pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).strip_dirs().sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20_000, help="person-years to generate (default 20000)")
    ap.add_argument("--seed", type=int, default=20230101)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one run")
    args = ap.parse_args(argv)

    population = generate(args.people, args.seed)
    run_once(population[:200])  # warm the binding caches
    n, seconds = measure(population, args.repeats)
    rate = n / seconds
    print(f"{args.people} person-years, {n} settlements, best of {args.repeats}: {seconds:.3f} s "
          f"→ {rate:,.0f} settlements/s on one core (target {TARGET:,}/s: {'met' if rate >= TARGET else 'NOT met'})")
    if args.profile:
        print(profile(population))
    return 0 if rate >= TARGET else 1


# --------------------------------------------------------------------------- pytest-benchmark


def test_bench_settle(benchmark):
    """`uv run pytest benchmarks/bench_engine.py` — reports the time of one pass over 2000 person-years."""
    population = generate(2_000)
    run_once(population[:50])
    n = benchmark.pedantic(run_once, args=(population,), rounds=5, iterations=1)
    benchmark.extra_info["settlements"] = n
    benchmark.extra_info["settlements_per_second"] = n / benchmark.stats.stats.min


if __name__ == "__main__":
    sys.exit(main())
