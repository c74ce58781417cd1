"""The report of a ledger where every settlement differs: sorted once, grouped per settlement, within the audit's
memory limit (s13: ten million rows against region figures a little off, 37 million discrepancies, failed at the
report connection's fixed 2 GB after eleven minutes; --memory-limit did not reach it).

The figures are the docs' worked example (攀枝花 第七条, worked by hand in test_report_docs_example.py) and a
hand-made file whose settlements are classed and counted here by hand."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
from click.testing import CliRunner

from conform.audit.report import rollups
from conform.harness.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


def _docs_ledger(tmp_path: Path) -> Path:
    csv_text = re.search(r"```csv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    ledger = tmp_path / "docs-example.csv"
    ledger.write_text(csv_text, encoding="utf-8")
    return ledger


def report_limits_seen(monkeypatch) -> list[str]:
    """The memory limit of every report connection made from now on, as DuckDB states it."""
    seen = []
    real = rollups.connect

    def spy(path, memory_limit=None):
        con = real(path, memory_limit)
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return con

    monkeypatch.setattr(rollups, "connect", spy)
    return seen


def test_the_report_connection_takes_the_audits_memory_limit(tmp_path, monkeypatch):
    seen = report_limits_seen(monkeypatch)
    r = CliRunner().invoke(main, ["audit", str(_docs_ledger(tmp_path)), "--policy", "panzhihua", "--region",
                                  "panzhihua-example", "--memory-limit", "700MB", "--out", str(tmp_path / "a")])
    assert r.exit_code == 1, r.output
    monkeypatch.setenv("CONFORM_AUDIT_MEMORY", "900MB")
    r = CliRunner().invoke(main, ["audit", str(_docs_ledger(tmp_path)), "--policy", "panzhihua", "--region",
                                  "panzhihua-example", "--out", str(tmp_path / "b")])
    assert r.exit_code == 1, r.output
    # DuckDB states a limit in MiB: 700 MB = 667.5 MiB, 900 MB = 858.3 MiB
    assert seen == ["667.5 MiB", "858.3 MiB"]


def _write(path: Path, rows: list[tuple]) -> Path:
    con = duckdb.connect()
    con.execute("""CREATE TABLE x (setl_id VARCHAR, psn_no VARCHAR, setl_date DATE, month VARCHAR, psn_type VARCHAR,
        facility VARCHAR, fixmedins_code VARCHAR, fixmedins_name VARCHAR, med_type VARCHAR, field VARCHAR,
        recorded DECIMAL(18,4), expected DECIMAL(18,4), diff DECIMAL(18,4), clause VARCHAR, route VARCHAR,
        init_setl_id VARCHAR, status VARCHAR, fen_rounded BOOLEAN)""")
    con.executemany("INSERT INTO x VALUES (?, ?, ?, strftime(CAST(? AS DATE), '%Y-%m'), '1101', 'secondary', ?, NULL, "
                    "'11', ?, ?, ?, CAST(? AS DECIMAL(18,4)) - CAST(? AS DECIMAL(18,4)), ?, 'plan', ?, 'ordinary', false)",
                    [(s, p, d, d, inst, f, rec, exp, rec, exp, cl, init) for s, p, d, inst, f, rec, exp, cl, init in rows])
    con.execute(f"COPY (SELECT * FROM x ORDER BY random()) TO '{path}' (FORMAT parquet)")
    return path


def test_roll_ups_per_settlement_and_the_files_in_order(tmp_path):
    # Four settlements and one reversal, rows written in a random order:
    #  S1 (P1, H1): act_pay_dedc 200 vs 100 (+100, dedc_high) and hifp_pay 50 vs 100 (−50)
    #  S2 (P1, H1): hifp_pay 300 vs 100 (+200, over); reversed by R2, which gave back −300 vs −100 (−200):
    #      the pair nets to 0.00 — no money either way, though S2 is still classed 多付 on its own diff
    #  S3 (P2, H2): hifp_pay 80 vs 100 (−20, under)
    #  S4 (P2, ''): psn_part_amt 10 vs 20 (other): no institution code, counted as unnamed
    rows = [
        ("S1", "P1", "2023-02-01", "H1", "act_pay_dedc", "200", "100", "甲", None),
        ("S1", "P1", "2023-02-01", "H1", "hifp_pay", "50", "100", "乙", None),
        ("S2", "P1", "2023-03-05", "H1", "hifp_pay", "300", "100", "乙", None),
        ("R2", "P1", "2023-03-06", "H1", "hifp_pay", "-300", "-100", "乙；A-REVERSAL", "S2"),
        ("S3", "P2", "2023-03-01", "H2", "hifp_pay", "80", "100", "乙", None),
        ("S4", "P2", "2023-04-01", "", "psn_part_amt", "10", "20", "丙", None),
    ]
    con = rollups.connect(_write(tmp_path / "d.parquet", rows), "300MB")
    data = rollups.collect(con)
    t = data["totals"]
    assert (t["rows"], t["settlements"], t["persons"], t["reversals"], t["institutions"], t["unnamed"]) == (6, 5, 2, 1, 2, 1)
    # money (fen): S1 −50, S2+R2 net 0 (shown on S2), S3 −20 → overpaid 0, underpaid 70.00
    assert (t["overpaid"], t["underpaid"], t["net"]) == (0, 7000, -7000)
    by_inst = {r["fixmedins_code"]: (r["settlements"], r["persons"], r["underpaid"]) for r in data["by_institution"]}
    assert by_inst == {"H1": (3, 1, 5000), "H2": (1, 1, 2000), "": (1, 1, 0)}
    by_month = {r["month"]: r["settlements"] for r in data["by_month"]}
    assert by_month == {"2023-02": 1, "2023-03": 3, "2023-04": 1}
    classes = {c["cls"]: (c["settlements"], c["reversals"], c["clauses"]) for c in data["classes"]}
    # R2: hifp_diff as the reversal says of S2, −(−200) = +200 → over, like S2 (+200). Cited: 乙 (S2) once and
    # 乙；A-REVERSAL (R2) once, ties by text → "乙；乙；A-REVERSAL", each article named once → 乙；A-REVERSAL
    assert classes == {"over": (2, 1, "乙；A-REVERSAL"), "dedc_high": (1, 0, "甲"), "under": (1, 0, "乙"),
                       "other": (1, 0, "丙")}
    # both files in (setl_date, setl_id, field) order, though written shuffled
    order = [("S1", "act_pay_dedc"), ("S1", "hifp_pay"), ("S3", "hifp_pay"), ("S2", "hifp_pay"), ("R2", "hifp_pay"),
             ("S4", "psn_part_amt")]
    assert con.execute("SELECT setl_id, field FROM d_rows").fetchall() == order
    from conform.audit.report import _csv, _parquet

    _parquet(con, tmp_path / "out.parquet")
    _csv(con, tmp_path / "out.csv")
    assert duckdb.sql(f"SELECT setl_id, field FROM read_parquet('{tmp_path / 'out.parquet'}')").fetchall() == order
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert [tuple(x.strip('"') for x in (ln.split(",")[0], ln.split(",")[9])) for ln in lines] == order
    # every row kept: +100 − 50 + 200 − 200 − 20 − 10 = 20.00
    assert Decimal(duckdb.sql(f"SELECT sum(diff) FROM read_parquet('{tmp_path / 'out.parquet'}')").fetchall()[0][0]) == Decimal("20")


def test_out_of_memory_at_the_defaults_names_them(tmp_path, monkeypatch):
    """Neither --memory-limit nor CONFORM_AUDIT_MEMORY given: the message names the limits that were in force (it read
    "the memory limit the default is too small")."""
    import duckdb as db

    import conform.audit.run

    def boom(*a, **k):
        raise db.OutOfMemoryException("Out of Memory Error: failed to pin block of size 256.0 KiB (1.8 GiB/1.8 GiB used)")

    monkeypatch.delenv("CONFORM_AUDIT_MEMORY", raising=False)
    monkeypatch.setattr(conform.audit.run, "audit", boom)
    r = CliRunner().invoke(main, ["audit", str(_docs_ledger(tmp_path)), "--policy", "panzhihua", "--region",
                                  "panzhihua-example", "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert ("conform: error: the default memory limit (3GB; 2GB while the report is written) is too small for this "
            "ledger: DuckDB failed to pin block of size 256.0 KiB (1.8 GiB/1.8 GiB used); raise it with --memory-limit"
            ) in r.output, r.output


def test_clauses_made_unique_whether_coded_or_not(tmp_path, monkeypatch):
    """The sort carries a clause as its number in the list of distinct clauses (a few dozen) and gives the text back
    made unique; a file of more distinct clauses than _MAX_CODES is sorted with its text, made unique row by row.
    Either way: 乙；乙 names 乙 once, a NULL clause stays NULL, and the rows come out in order."""
    rows = [
        ("S2", "P1", "2023-03-05", "H1", "hifp_pay", "300", "100", "乙；乙", None),
        ("S1", "P1", "2023-02-01", "H1", "hifp_pay", "50", "100", "甲；A-ROUND-FEN；甲", None),
        ("S3", "P2", "2023-03-01", "H2", "hifp_pay", "80", "100", None, None),
    ]
    want = [("S1", "甲；A-ROUND-FEN"), ("S3", None), ("S2", "乙")]
    for limit in (rollups._MAX_CODES, 0):
        monkeypatch.setattr(rollups, "_MAX_CODES", limit)
        folder = tmp_path / str(limit)
        folder.mkdir()
        con = rollups.connect(_write(folder / "d.parquet", rows))
        assert con.execute("SELECT setl_id, clause FROM d_rows").fetchall() == want, limit
