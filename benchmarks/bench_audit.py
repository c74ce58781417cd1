"""Ledger audit throughput: DuckDB and Spark end to end, the reference engine, and the arithmetic floor.

Makes (once, then cached) a synthetic ledger with `conform synth-ledger` — 10,000,000 rows by
default, about 1.25 million persons, a city-year — then measures, each on the same file:

1. `conform audit --engine duckdb` end to end (read, validate, plan, reference fallback, compare,
   write all five report files) in a child process: rows/s and the child's peak RSS (wait4 rusage,
   which includes the child's own waited-for children);
2. the same with `--engine spark` (local mode, `--spark-master`), when pyspark and Java are present;
3. the reference engine alone (`PersonLedger`, what the fallback runs) on a sample of persons;
4. DuckDB's own floor under the audit's memory limit: reading the ledger into a table, and one
   ordered running sum per person-year, narrow and wide (what any exact plan must at least do);
5. the arithmetic floor: ordinary pooling alone recomputed with pyarrow.compute over the columns
   (sort, prefix sums clamped by min, half-up integer-fen rounding), no validation, no reversals,
   no other routes, no report — how fast the bare arithmetic can go in this process.

6. with --csv, the DuckDB audit again on the same ledger exported as CSV, in UTF-8 and in GB18030 (what
   Chinese exports often are), with a Chinese institution name so the transcoding has work to do.

    uv run python benchmarks/bench_audit.py                         # 10M rows
    uv run python benchmarks/bench_audit.py --rows 1000000 --skip-spark
    uv run python benchmarks/bench_audit.py --skip-spark --csv      # Parquet, CSV UTF-8, CSV GB18030

Targets (issue 9): DuckDB ≥ 1,000,000 settlements/s and ≤ 4 GB peak on 10M rows; Spark local within
5× of DuckDB. The machine it runs on may be shared: say so with the figures. Not collected by pytest.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from conform.audit.synth import settle_events, synth_ledger  # noqa: E402
from conform.reference import benefits  # noqa: E402
from conform.reference.case import PSN_TYPES, Person, Reversal, Settlement  # noqa: E402
from conform.reference.engine import rules_for  # noqa: E402

CHILD = """
import json, sys
from conform.audit.run import audit
a = json.loads(sys.argv[1])
code, s = audit([a["ledger"]], a["policy"], region=a["region"], persons_file=a["persons"], engine=a["engine"],
                spark_master=a["master"], out=a["out"])
engine = {}
if a["engine"] == "spark":
    from conform.audit.engines import spark
    engine = dict(spark.LAST_TIMINGS)
print(json.dumps({"code": code, "summary": {k: v for k, v in s.items() if not k.startswith("_")}, "engine_stages": engine},
                 default=str))
"""


def _yuan(fen: int | None) -> str:
    """Integer fen as yuan text (never through a float); None (hifp_pay not audited) as such."""
    if fen is None:
        return "not audited"
    sign, fen = ("-" if fen < 0 else ""), abs(int(fen))
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def make_ledger(rows: int, policy: str, seed: int, defect_rate: float, cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"ledger-{policy}-{rows}-s{seed}-d{defect_rate}.parquet"
    if path.exists():
        print(f"ledger: {path} (cached)")
        return path
    t = time.perf_counter()
    r = synth_ledger(rows, policy, path, defect_rate=defect_rate, seed=seed)
    el = time.perf_counter() - t
    print(f"ledger: {path}: {r.rows:,} rows, {r.persons:,} persons, {r.planted:,} planted pairs; "
          f"made in {el:.0f} s ({r.rows / el:,.0f} rows/s)")
    return path


def csv_ledgers(ledger: Path) -> list[tuple[str, Path]]:
    """The ledger as CSV in UTF-8 and GB18030 (made once, next to it), with 定点医药机构名称 in Chinese."""
    utf8 = ledger.with_suffix(".csv")
    gbk = ledger.with_suffix(".gb18030.csv")
    if not utf8.exists():
        import duckdb

        t = time.perf_counter()
        part = utf8.with_suffix(".part")
        duckdb.sql(f"COPY (SELECT *, '某市第' || fixmedins_code || '号定点医疗机构' AS fixmedins_name "
                   f"FROM read_parquet('{ledger}')) TO '{part}' (HEADER)")
        part.rename(utf8)
        print(f"CSV ledger: {utf8} ({utf8.stat().st_size / 2**30:.1f} GiB, made in {time.perf_counter() - t:.0f} s)")
    if not gbk.exists():
        part = gbk.with_suffix(".part")
        with utf8.open(encoding="utf-8", newline="") as src, part.open("w", encoding="gb18030", newline="") as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        part.rename(gbk)
    return [("CSV UTF-8", utf8), ("CSV GB18030", gbk)]


def compile_bytecode() -> float:
    """Compile the project's and the environment's Python files once, as installing a package does (pip, or uv with
    compile-bytecode): the audit and its reference-engine workers then read bytecode instead of compiling every
    module they import. Where PYTHONDONTWRITEBYTECODE is set (containers often set it, and this machine does) nothing
    is ever cached otherwise, and each Python process the audit starts spends about 2 s compiling (s14: 10M rows
    55 s without, 42-45 s with). Returns the seconds it took (next to nothing once compiled)."""
    import compileall
    import sysconfig

    t = time.perf_counter()
    dirs = {ROOT / "conform", *(Path(sysconfig.get_paths()[k]) for k in ("purelib", "platlib"))}
    for d in sorted(dirs):
        compileall.compile_dir(d, quiet=2, workers=0)
    return time.perf_counter() - t


def run_child(args: dict, env: dict[str, str] | None = None) -> dict:
    """One audit in a child process; wall time and peak RSS from wait4 for that child alone."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        # files, not pipes: Spark writes a lot to stderr, and a full pipe would stall the child
        p = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(args)], cwd=ROOT, stdout=out, stderr=err, text=True,
                             env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    wall = time.perf_counter() - t
    if p.returncode not in (0, 1):
        raise RuntimeError(f"audit ({args['engine']}) exited {p.returncode}:\n{stderr[-3000:]}")
    if not stdout.strip():  # an exception before the summary (exit 1 as a traceback): say it, not an IndexError
        raise RuntimeError(f"audit ({args['engine']}) printed no summary, exit {p.returncode}:\n{stderr[-3000:]}")
    res = json.loads(stdout.strip().splitlines()[-1])
    res["wall_s"] = wall
    res["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    return res


def systematic(ledger: Path, rows: int, region: str, work: Path) -> tuple[Path, str]:
    """A ledger whose system got the figures a little wrong everywhere: about `rows` rows (whole persons, by a hash of
    psn_no), audited against the example region with its in-service deductible 100.00 lower and every ratio one
    point higher — nearly every settlement differs, and 差异明细 fills to Excel's row limit. Returns the ledger and
    the region file (made next to the reports, removed with them)."""
    import duckdb
    import yaml

    total = pq.ParquetFile(ledger).metadata.num_rows
    share = max(1, round(total / rows))
    part = work / "systematic.parquet"
    lit = str(ledger).replace("'", "''")
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{lit}') WHERE hash(psn_no) % {share} = 0) TO '{part}' (FORMAT parquet)")
    doc = yaml.safe_load((ROOT / "conform" / "fixtures" / "regions" / f"{region}.yaml").read_text(encoding="utf-8"))
    values = doc["values"]
    for k in list(values):
        if k.startswith("ordinary.ratio."):
            values[k] = str(Decimal(values[k]) + Decimal("0.01"))
        elif k == "ordinary.deductible.in_service":
            values[k] = str(Decimal(values[k]) - 100)
    path = work / f"{region}-off.yaml"
    doc["name"] = path.stem  # a name of its own: an example's name means the shipped file (policy.py)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return part, str(path)


def reference_rate(ledger: Path, policy: str, region: str | None, persons: int) -> tuple[int, float]:
    """Settlements/s of the reference engine on the first `persons` persons of the ledger (one core)."""
    pf = pq.ParquetFile(ledger)
    t = pf.read_row_group(0, columns=["setl_id", "psn_no", "psn_type", "setl_time", "setl_date", "med_type",
                                      "facility", "init_setl_id", "medfee_sumamt", "fulamt_ownpay_amt",
                                      "overlmt_selfpay", "preselfpay_amt"])
    rows = sorted(t.to_pylist(), key=lambda r: (r["psn_no"], r["setl_time"]))
    people: dict[str, list] = {}
    for r in rows:
        people.setdefault(r["psn_no"], []).append(r)
    work = []
    for psn, rs in list(people.items())[:persons]:
        ev = [Reversal(r["setl_id"], r["setl_date"], r["init_setl_id"]) if r["init_setl_id"] else
              Settlement(r["setl_id"], r["setl_date"], r["med_type"], r["facility"], r["medfee_sumamt"],
                         r["fulamt_ownpay_amt"], r["overlmt_selfpay"], r["preselfpay_amt"]) for r in rs]
        # flexible workers' tier is in the persons file; the rate does not depend on it
        work.append((Person(psn, rs[0]["psn_type"].replace("1103", "1101").replace("1203", "1201")), ev))
    rules = rules_for(policy, region)
    n = sum(len(ev) for _, ev in work)
    start = time.perf_counter()
    for person, ev in work:
        settle_events(rules, person, ev)
    return n, time.perf_counter() - start


def arithmetic_floor(ledger: Path, policy: str, region: str | None) -> tuple[int, float, float]:
    """Ordinary pooling alone with pyarrow.compute, integer fen; returns (rows, read_s, compute_s)."""
    rules = rules_for(policy, region)
    t0 = time.perf_counter()
    t = pq.read_table(ledger, columns=["psn_no", "psn_type", "setl_time", "facility", "medfee_sumamt",
                                       "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt"])
    t1 = time.perf_counter()
    fen = lambda c: pc.cast(pc.multiply(t[c], pa.scalar(Decimal(100), pa.decimal128(3, 0))), pa.int64())  # noqa: E731
    base = pc.subtract(pc.subtract(pc.subtract(fen("medfee_sumamt"), fen("fulamt_ownpay_amt")),
                                   fen("overlmt_selfpay")), fen("preselfpay_amt"))
    year = pc.year(t["setl_time"])
    # parameters from the bound rules (never re-typed): ratio in basis points per (role, facility)
    keys, bps, dedcs, caps = [], [], [], []
    for ptype, (role, _, _) in PSN_TYPES.items():
        d = rules.first(f"ordinary.deductible.{role}", "ordinary.deductible").value
        c = rules.first(f"ordinary.cap.{role}", "ordinary.cap").value
        for f in ("tertiary", "secondary", "primary", "unrated", "pharmacy"):
            r = benefits.ordinary_ratio(rules, role, f)
            keys.append(f"{ptype}|{f}")
            bps.append(int((r[0] if r else Decimal(0)) * 10000))
            dedcs.append(int(d * 100))
            caps.append(int(c * 100))
    key = pc.binary_join_element_wise(t["psn_type"], t["facility"], "|")
    idx = pc.index_in(key, pa.array(keys))
    bp, ded, cap = (pc.take(pa.array(v, pa.int64()), idx) for v in (bps, dedcs, caps))
    order = pc.sort_indices(pa.table({"p": t["psn_no"], "t": t["setl_time"]}), [("p", "ascending"), ("t", "ascending")])
    psn, yr = pc.take(t["psn_no"], order), pc.take(year, order)
    base, bp, ded, cap = (pc.take(x, order) for x in (base, bp, ded, cap))
    n = len(base)
    start = pc.or_(pc.not_equal(psn.slice(1), psn.slice(0, n - 1)), pc.not_equal(yr.slice(1), yr.slice(0, n - 1)))
    start = pa.concat_arrays([pa.array([True]), start.combine_chunks() if isinstance(start, pa.ChunkedArray) else start])

    def grouped_prefix(x):
        cs = pc.cumulative_sum(x)
        before = pc.subtract(cs, x)
        offset = pc.fill_null_forward(pc.if_else(start, before, pa.scalar(None, pa.int64())))
        return pc.subtract(cs, offset)  # S_i within (person, year)

    s = grouped_prefix(base)
    s_prev = pc.subtract(s, base)
    dedc = pc.subtract(pc.min_element_wise(ded, s), pc.min_element_wise(ded, s_prev))
    raw = pc.divide(pc.add(pc.multiply(pc.subtract(base, dedc), bp), 5000), 10000)  # half up, non-negative
    r = grouped_prefix(raw)
    pay = pc.subtract(pc.min_element_wise(cap, r), pc.min_element_wise(cap, pc.subtract(r, raw)))
    total = pc.sum(pay).as_py()
    t2 = time.perf_counter()
    assert total is not None and total > 0
    return n, t1 - t0, t2 - t1


def duckdb_floor(ledger: Path) -> list[tuple[str, int, float]]:
    """What DuckDB itself costs here, under the audit's memory limit, for the least any exact audit must do:
    read the ledger into a table (no validation), and ONE ordered running sum per person-year — narrow
    (the sum alone) and wide (carrying the row's figures through the sort into a table, as a plan
    whose later steps need them must). The audit's own time is measured against these."""
    import duckdb

    lit = str(ledger).replace("'", "''")
    tmp = Path(tempfile.mkdtemp(prefix="bench-duckdb-floor-"))
    con = duckdb.connect(config={"memory_limit": os.environ.get("CONFORM_AUDIT_MEMORY", "3GB"),
                                 "preserve_insertion_order": "false", "temp_directory": str(tmp)})
    amounts = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
               "act_pay_dedc", "hifp_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")
    fen = ", ".join(f"CAST({c} * 100 AS BIGINT) AS {c}" for c in amounts)
    window = "PARTITION BY psn_no, year(setl_date) ORDER BY setl_time, setl_id ROWS UNBOUNDED PRECEDING"
    inscp = "medfee_sumamt - fulamt_ownpay_amt - overlmt_selfpay - preselfpay_amt"
    steps = [("DuckDB floor: read into a table, no checks",
              f"CREATE TABLE l AS SELECT setl_id, psn_no, psn_type, setl_time, setl_date, med_type, facility, {fen} "
              f"FROM read_parquet('{lit}')"),
             ("DuckDB floor: one running sum, narrow",
              f"SELECT sum(s) FROM (SELECT SUM({inscp}) OVER ({window}) AS s FROM l)"),
             ("DuckDB floor: one running sum, wide, kept",
              f"CREATE TABLE w AS SELECT *, SUM({inscp}) OVER ({window}) AS s FROM l")]
    out = []
    try:
        for name, q in steps:
            t = time.perf_counter()
            con.execute(q).fetchall()
            out.append((name, con.execute("SELECT count(*) FROM l").fetchall()[0][0], time.perf_counter() - t))
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--policy", default="zhejiang")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--defect-rate", type=float, default=0.002)
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                    / "conform" / "bench-audit")
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--spark-master", default="local[*]")
    ap.add_argument("--reference-persons", type=int, default=2000)
    ap.add_argument("--csv", action="store_true", help="also audit the ledger as CSV, UTF-8 and GB18030 (DuckDB)")
    ap.add_argument("--systematic-rows", type=int, default=1_000_000,
                    help="also audit this many rows (a tenth of the persons) against figures off by a little, so that "
                         "nearly every settlement differs: the report at Excel's row limit (0: skip)")
    ap.add_argument("--cold-bytecode", action="store_true",
                    help="run the audits with no compiled bytecode at all (every module compiled anew in every process, "
                         "as under PYTHONDONTWRITEBYTECODE with nothing compiled at install), instead of compiling it first")
    a = ap.parse_args()
    if a.cold_bytecode:
        print("bytecode: none (--cold-bytecode): every process of the audit compiles what it imports", flush=True)
    else:
        print(f"bytecode: compiled, as an installed package's is ({compile_bytecode():.1f} s)", flush=True)
    region = f"{a.policy}-example" if (ROOT / "conform" / "fixtures" / "regions" / f"{a.policy}-example.yaml").exists() else None
    ledger = make_ledger(a.rows, a.policy, a.seed, a.defect_rate, a.cache)
    persons = ledger.with_name(ledger.name.removesuffix(".parquet") + ".persons.jsonl")
    results = []
    # Made only once the ledger is there (a failure while building it leaves no empty folder behind), and
    # removed in the finally below whatever happens after.
    out_root = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    child_env = ({**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(out_root / "no-bytecode")}
                 if a.cold_bytecode else None)
    try:
        engines = ["duckdb"] + ([] if a.skip_spark else ["spark"])
        runs = [(eng, eng, ledger) for eng in engines]
        runs += [(f"duckdb, {fmt}", "duckdb", path) for fmt, path in (csv_ledgers(ledger) if a.csv else [])]
        runs = [(label, eng, path, region) for label, eng, path in runs]
        if a.systematic_rows and region:
            runs.append(("duckdb, systematic defect", "duckdb",
                         *systematic(ledger, a.systematic_rows, region, out_root)))
        for label, eng, path, region_used in runs:
            print(f"auditing with {label} …", flush=True)
            try:
                r = run_child({"ledger": str(path), "policy": a.policy, "region": region_used, "engine": eng,
                               "persons": str(persons) if persons.exists() else None,
                               "master": a.spark_master if eng == "spark" else None,
                               "out": str(out_root / label.replace(", ", "-").replace(" ", "_"))}, child_env)
            except RuntimeError as e:
                print(f"  {label}: failed: {e}")
                continue
            s = r["summary"]
            stages = s.get("timings_s") or {}
            if stages:
                rest = r["wall_s"] - sum(stages.values())
                print("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items())
                      + f", process start and exit {rest:.1f} s", flush=True)
            if r.get("engine_stages"):  # inside `plan` on Spark: hand-over, each plan stage, compare, totals
                print("  spark plan: " + ", ".join(f"{k} {v:.1f} s" for k, v in r["engine_stages"].items()), flush=True)
            results.append((f"audit --engine {label} (end to end)", s["rows_read"], r["wall_s"], r["peak_rss_mb"],
                            f"{sum(s['discrepancies_by_field'].values()):,} discrepancies; "
                            f"{s['persons_reference']:,} persons via reference; overpaid {_yuan(s.get('overpaid_fen'))}"))
        # Every run's discrepancies against the first's (Parquet on DuckDB): engines and formats must agree.
        done = [d for d in sorted(out_root.iterdir(), key=lambda d: d.name != "duckdb")
                if (d / "discrepancies.parquet").exists() and "systematic" not in d.name]
        if done and done[0].name == "duckdb":
            import duckdb

            a_ = str(done[0] / "discrepancies.parquet")
            cols = "setl_id, field, recorded, expected"
            for d in done[1:]:
                b_ = str(d / "discrepancies.parquet")
                n_diff = duckdb.sql(f"""SELECT count(*) FROM ((SELECT {cols} FROM '{a_}' EXCEPT SELECT {cols} FROM '{b_}')
                                        UNION ALL (SELECT {cols} FROM '{b_}' EXCEPT SELECT {cols} FROM '{a_}'))""").fetchall()[0][0]
                print(f"discrepancies of duckdb (Parquet) and {d.name}: {'identical' if n_diff == 0 else f'DIFFER in {n_diff} rows'}")
        n, el = reference_rate(ledger, a.policy, region, a.reference_persons)
        results.append((f"reference engine ({a.reference_persons} persons, 1 core)", n, el, None, "PersonLedger.settle"))
        for name, n, el in duckdb_floor(ledger):
            results.append((name, n, el, None, "no validation, no reversals, nothing compared"))
        n, read_s, comp_s = arithmetic_floor(ledger, a.policy, region)
        results.append(("floor: ordinary pooling, pyarrow.compute", n, comp_s, None, f"+ {read_s:.1f} s to read the columns"))
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
    print()
    print(f"{'measure':48} {'rows':>12} {'seconds':>9} {'rows/s':>12} {'peak RSS':>10}  notes")
    for name, rows, secs, rss, note in results:
        rss_s = f"{rss:,.0f} MB" if rss is not None else "—"
        print(f"{name:48} {rows:>12,} {secs:>9.2f} {rows / secs:>12,.0f} {rss_s:>10}  {note}")
    print(f"\nmachine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} (figures vary on a shared machine)")


if __name__ == "__main__":
    main()
