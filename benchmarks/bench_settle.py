"""`conform settle` end to end, next to the engine alone, so the two cannot drift apart.

Writes a case file of generated person-years (the same generator as bench_engine.py,
as case JSON: amounts as strings), runs the real command in a subprocess on it, subtracts
the start-up time (the same command on a one-settlement file) and reports settlements/s
and the child's peak memory (RSS). Then it times the engine alone on the same population.

    uv run python benchmarks/bench_settle.py                          # ≈100,000 settlements, JSON array
    uv run python benchmarks/bench_settle.py --jsonl                  # JSON lines in and out
    uv run python benchmarks/bench_settle.py --settlements 1000000 --jsonl --no-engine   # memory stays flat
    uv run python benchmarks/bench_settle.py --trace                  # with the trace rendered
    uv run python benchmarks/bench_settle.py --old                    # options of the pre-streaming command
    uv run python benchmarks/bench_settle.py --instructions --settlements 4000   # CPU instructions (valgrind)

On a shared machine timings drift with the load; `--instructions` counts the CPU instructions of
one in-process run instead (valgrind's callgrind: deterministic, about a minute for 4,000
settlements), with the imports and the binding of every document's rules done beforehand.

Not collected by `uv run pytest`.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_engine import POLICIES, generate, measure  # noqa: E402

TARGET = 50_000  # settlements per second, end to end


def _iso(d) -> str | None:
    return d.isoformat() if d is not None else None


def case_of(rules, person, settlements) -> dict:
    """The case-file form of one generated person-year (amounts as strings)."""
    policy = rules.id
    p: dict = {"psn_no": person.psn_no, "psn_type": person.psn_type, "birth_date": _iso(person.birth_date)}
    if person.flex_tier is not None:
        p["flex_tier"] = person.flex_tier
    if person.remote_filing:
        p["remote_filing"] = True
    if person.acct_balance is not None:
        p["acct_balance"] = f"{person.acct_balance:.2f}"
    if person.diseases:
        p["chronic_diseases"] = [{"dise_codg": d.dise_codg, "kind": d.kind} for d in person.diseases]
    if person.hospital_stays:
        p["hospital_stays"] = [{"begin": _iso(h.begin), "end": _iso(h.end)} for h in person.hospital_stays]
    out = []
    for s in settlements:
        d = {"id": s.id, "date": s.date.isoformat(), "med_type": s.med_type, "facility": s.facility,
             "medfee_sumamt": f"{s.medfee_sumamt:.2f}"}
        if s.fulamt_ownpay_amt:
            d["fulamt_ownpay_amt"] = f"{s.fulamt_ownpay_amt:.2f}"
        if s.dise_codg:
            d["dise_codg"] = s.dise_codg
        if s.remote:
            d["remote"] = True
        if s.exclusion:
            d["exclusion"] = s.exclusion
        if not s.acct_used_flag:
            d["acct_used_flag"] = False
        out.append(d)
    return {"policy": policy, "region": POLICIES[policy][0], "person": p, "settlements": out}


def write_cases(path: Path, settlements: int, seed: int, jsonl: bool) -> tuple[int, int]:
    """Write person-years until `settlements` are reached; returns (cases, settlements). Streams, so 1M is fine."""
    n_cases = n_setl = 0
    batch = 2_000
    with path.open("w", encoding="utf-8") as f:
        if not jsonl:
            f.write("[\n")
        i = 0
        while n_setl < settlements:
            for rules, person, setl in generate(batch, seed + i):
                if n_setl >= settlements:
                    break
                c = case_of(rules, person, setl)
                c["person"]["psn_no"] = f"B{n_cases:08d}"
                if jsonl:
                    f.write(json.dumps(c, ensure_ascii=False) + "\n")
                else:
                    f.write((",\n" if n_cases else "") + json.dumps(c, ensure_ascii=False))
                n_cases += 1
                n_setl += len(setl)
            i += 1
        if not jsonl:
            f.write("\n]\n")
    return n_cases, n_setl


def run_settle(path: Path, extra: list[str]) -> tuple[float, int, int, float]:
    """(wall seconds, exit code, peak RSS in KiB, CPU seconds) of `conform settle PATH`, output discarded."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "settle", str(path), *extra], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        print(err[-2000:], file=sys.stderr)
    return wall, proc.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--settlements", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20230101)
    ap.add_argument("--jsonl", action="store_true", help="JSON lines in and out (--jsonl)")
    ap.add_argument("--trace", action="store_true", help="ask for the trace (--trace)")
    ap.add_argument("--old", action="store_true", help="the command before streaming: no --jsonl/--trace options")
    ap.add_argument("--no-engine", action="store_true", help="skip the engine-only figure")
    ap.add_argument("--keep", type=Path, help="write the case file here and keep it")
    ap.add_argument("--instructions", action="store_true",
                    help="count CPU instructions per settlement with valgrind instead of timing")
    args = ap.parse_args(argv)
    if args.instructions:
        return count_instructions(args)

    tmp = Path(tempfile.mkdtemp(prefix="bench_settle_"))
    suffix = ".jsonl" if args.jsonl else ".json"
    big = args.keep or tmp / f"cases{suffix}"
    small = tmp / f"one{suffix}"
    if not big.exists():
        n_cases, n = write_cases(big, args.settlements, args.seed, args.jsonl)
    else:
        n_cases, n = -1, args.settlements
    write_cases(small, 1, args.seed, args.jsonl)
    extra = [] if args.old else [*(["--jsonl"] if args.jsonl else []), *(["--trace"] if args.trace else [])]
    if args.old and not args.trace:
        extra = ["--no-trace"]
    starts = [run_settle(small, extra) for _ in range(3)]
    startup, startup_cpu = min(r[0] for r in starts), min(r[3] for r in starts)
    wall, rc, rss, cpu = run_settle(big, extra)
    if rc != 0:
        print(f"conform settle exited {rc}")
        return 2
    rate = n / max(wall - startup, 1e-9)
    cpu_rate = n / max(cpu - startup_cpu, 1e-9)
    size = big.stat().st_size / 1e6
    print(f"conform settle {' '.join(extra)}: {n:,} settlements ({n_cases:,} cases, {size:.1f} MB) in {wall:.2f} s "
          f"wall, {cpu:.2f} s CPU; start-up {startup:.2f} s wall, {startup_cpu:.2f} s CPU")
    print(f"  → {rate:,.0f} settlements/s end to end (wall), {cpu_rate:,.0f}/s per CPU second "
          f"(what one idle core gives); peak RSS {rss / 1024:.0f} MiB; "
          f"target {TARGET:,}/s: {'met' if max(rate, cpu_rate) >= TARGET else 'NOT met'}")
    if not args.no_engine:
        population = generate(max(1, n // 15), args.seed)
        c0 = time.process_time()
        ns, secs = measure(population, 3)
        cpu_e = (time.process_time() - c0) / 3
        print(f"engine alone (bench_engine, best of 3): {ns:,} settlements in {secs:.2f} s → {ns / secs:,.0f} "
              f"settlements/s wall, {ns / cpu_e:,.0f}/s per CPU second (mean)")
    if not args.keep:
        for p in (big, small):
            p.unlink(missing_ok=True)
        tmp.rmdir()
    return 0 if max(rate, cpu_rate) >= TARGET else 1


# Run under callgrind: everything before functools.reduce (imports, binding all five documents' rules,
# a first case) is not counted, as collection is switched on only inside functools.reduce.
_COUNTED = """
import functools, io, sys
sys.path.insert(0, sys.argv[1])
from conform.harness import settle_cli
from conform.reference.engine import rules_for
from bench_engine import POLICIES
class Null(io.RawIOBase):
    def write(self, b):
        return len(b)
for policy, (region, _) in POLICIES.items():
    rules_for(policy, region)
path, jsonl, trace = sys.argv[2], sys.argv[3] == "1", True if sys.argv[4] == "1" else None
settle_cli.run(sys.argv[5], trace, True, 64, Null(), io.StringIO())
functools.reduce(lambda a, b: settle_cli.run(path, trace, jsonl, 64, Null(), io.StringIO()), [0], 0)
"""


def count_instructions(args: argparse.Namespace) -> int:
    """CPU instructions per settlement of `conform settle`'s loop (settle_cli.run), counted by callgrind."""
    import shutil

    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="bench_settle_"))
    suffix = ".jsonl" if args.jsonl else ".json"
    big, one = args.keep or tmp / f"cases{suffix}", tmp / "one.jsonl"
    if not big.exists():
        write_cases(big, args.settlements, args.seed, args.jsonl)
    write_cases(one, 1, args.seed, True)
    n = sum(len(json.loads(line)["settlements"]) for line in big.open(encoding="utf-8")) if args.jsonl else \
        sum(len(c["settlements"]) for c in json.loads(big.read_text(encoding="utf-8")))
    out = tmp / "callgrind.out"
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=functools_reduce",
         f"--callgrind-out-file={out}", sys.executable, "-c", _COUNTED, str(ROOT), str(big),
         "1" if args.jsonl else "0", "1" if args.trace else "0", str(one)],
        cwd=ROOT / "benchmarks", capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    collected = [line for line in proc.stderr.splitlines() if "Collected :" in line]
    if proc.returncode != 0 or not collected:
        print(proc.stderr[-2000:])
        return 2
    instr = int(collected[-1].split(":")[-1])
    print(f"conform settle{' --jsonl' if args.jsonl else ''}{' --trace' if args.trace else ''}: {n:,} settlements, "
          f"{instr:,} instructions → {instr / n:,.0f} per settlement (start-up and rule binding not counted)")
    for p in (out, one, *([] if args.keep else [big])):
        p.unlink(missing_ok=True)
    tmp.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
