"""Settlements per second through the `http` adapter, against the sample system with added latency.

Starts the sample system as its own process on a free loopback port with
`--latency-ms` (default 20) per call, then settles independent test persons
through `HttpAdapter`, `--concurrency` of them at a time (`for_each_person`:
a thread pool over one pooled, thread-safe client). Each person is created
(T001, not timed) and then settles `--visits` visits (2207, timed). Every
answer is checked against the reference's figures so a fast but wrong run
cannot pass.

    uv run python benchmarks/bench_http.py                      # concurrency 1 and 8, 20 ms latency
    uv run python benchmarks/bench_http.py --concurrency 1 8 16 --latency-ms 20 --persons 64

Target: ≥ 200 settlements/s at concurrency 8 with 20 ms latency (the latency
alone caps concurrency 1 at 50/s). Not collected by `uv run pytest`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from sample_server import SampleServer  # noqa: E402

from conform.harness.adapters import Subject, for_each_person  # noqa: E402
from conform.harness.adapters.http import HttpAdapter  # noqa: E402
from conform.harness.config import AdapterConfig  # noqa: E402
from conform.reference.case import Person, Settlement  # noqa: E402
from conform.reference.engine import PersonLedger, rules_for  # noqa: E402

TARGET = 200.0  # settlements per second at concurrency 8, 20 ms latency
FACILITIES = ("primary", "secondary", "tertiary", "pharmacy")


def visits(person_index: int, count: int) -> list[Settlement]:
    out = []
    for k in range(count):
        facility = FACILITIES[(person_index + k) % len(FACILITIES)]
        out.append(Settlement(id=f"V{k + 1}", date=dt.date(2023, 1 + k % 12, 1 + k // 12 % 28),
                              med_type="41" if facility == "pharmacy" else "11", facility=facility,
                              medfee_sumamt=Decimal(87 + 53 * ((person_index * 7 + k * 13) % 17)) + Decimal("0.35")))
    return sorted(out, key=lambda s: s.date)


def measure(url: str, concurrency: int, persons: int, per_person: int) -> tuple[float, int]:
    adapter = HttpAdapter(url, AdapterConfig(concurrency=concurrency, timeout=10))
    adapter.start()
    rules = rules_for("panzhihua")
    plans = [(f"BENCH-{concurrency}-{i}", "1201" if i % 3 == 0 else "1101", visits(i, per_person))
             for i in range(persons)]
    for psn, psn_type, _ in plans:   # not timed: creating the test persons
        adapter.prepare_person(Subject("panzhihua", Person(psn, psn_type)))

    def work(plan: tuple[str, str, list[Settlement]]) -> int:
        psn, psn_type, vs = plan
        oracle = PersonLedger(rules, Person(psn, psn_type))
        for s in vs:
            got = adapter.settle(psn, s)
            want = oracle.settle(s).to_output(with_trace=False)
            if got["hifp_pay"] != want["hifp_pay"] or got["act_pay_dedc"] != want["act_pay_dedc"]:
                raise AssertionError(f"{psn} {s.id}: system {got['hifp_pay']}, reference {want['hifp_pay']}")
        return len(vs)

    started = time.perf_counter()
    done = sum(for_each_person(adapter, work, plans))
    elapsed = time.perf_counter() - started
    adapter.stop()
    return done / elapsed, done


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--persons", type=int, default=32)
    p.add_argument("--visits", type=int, default=10, help="settlements per person")
    args = p.parse_args(argv)
    with SampleServer(latency_ms=args.latency_ms) as server:
        print(f"sample system at {server.url}, {args.latency_ms:g} ms added latency per call, "
              f"{args.persons} persons × {args.visits} settlements")
        results = {}
        for c in args.concurrency:
            rate, n = measure(server.url, c, args.persons, args.visits)
            results[c] = rate
            print(f"  concurrency {c:>3}: {rate:8.1f} settlements/s  ({n} settlements, all equal to the reference)")
    ok = results.get(8, TARGET) >= TARGET
    if 8 in results:
        print(f"target ≥ {TARGET:g}/s at concurrency 8: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
