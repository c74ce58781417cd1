"""`conform audit` on a synthetic ledger finds exactly the planted discrepancies, for every document.

The ledger's recorded figures come from the reference engine; in a share of persons they come
from a defective system instead (起付线按次计算, 退休人员按在职待遇, 未控制限额, 截断到分, 药店比例,
撤销未冲回, 跨年未重置). The audit must report every (setl_id, field) pair that differs from the
correct figure, with the recorded and the correct figure, and nothing else.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from conform.audit.synth import synth_ledger
from conform.harness.cli import main

POLICIES = ["panzhihua", "nanchang", "jilin", "beijing", "zhejiang"]


def _audit(tmp_path: Path, policy: str, rows: int, seed: int, defect_rate: float) -> tuple[Path, Path, object]:
    ledger = tmp_path / f"{policy}.parquet"
    synth_ledger(rows, policy, ledger, defect_rate=defect_rate, seed=seed, workers=1)
    out = tmp_path / "report"
    args = ["audit", str(ledger), "--policy", policy, "--region", f"{policy}-example", "--out", str(out)]
    persons = tmp_path / f"{policy}.persons.jsonl"
    if persons.exists():
        args += ["--persons", str(persons)]
    assert "audit" in main.list_commands(None), "conform audit is not registered in conform/harness/cli.py"
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return ledger, out, result


@pytest.mark.parametrize("policy", POLICIES)
def test_audit_finds_exactly_the_planted_set(tmp_path, policy):
    ledger, out, result = _audit(tmp_path, policy, rows=1500, seed=11, defect_rate=0.3)
    planted = ledger.with_name(f"{policy}.planted.parquet")
    con = duckdb.connect()
    p = f"read_parquet('{planted}')"
    d = f"read_parquet('{out / 'discrepancies.parquet'}')"
    n_planted = con.execute(f"SELECT count(*) FROM {p}").fetchone()[0]
    assert n_planted > 50, "the synthetic ledger should plant enough to make the test meaningful"
    assert result.exit_code == 1, result.output
    missed = con.execute(f"SELECT setl_id, field FROM {p} EXCEPT SELECT setl_id, field FROM {d} ORDER BY ALL").fetchall()
    extra = con.execute(f"SELECT setl_id, field FROM {d} EXCEPT SELECT setl_id, field FROM {p} ORDER BY ALL").fetchall()
    assert (missed[:5], extra[:5]) == ([], [])
    wrong = con.execute(f"""SELECT count(*) FROM {p} AS pl JOIN {d} AS di USING (setl_id, field)
                            WHERE di.recorded <> pl.recorded OR di.expected <> pl.expected""").fetchone()[0]
    assert wrong == 0  # the audit's expected figure is the reference engine's, to the fen
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    # the fund's money: a settlement and its reversal net out (the reversal refunds what was paid)
    over, under = con.execute(f"""
        WITH n AS (SELECT sum(pl.recorded - pl.expected) AS net FROM {p} AS pl
                   JOIN read_parquet('{ledger}') AS l USING (setl_id) WHERE pl.field = 'hifp_pay'
                   GROUP BY coalesce(l.init_setl_id, pl.setl_id))
        SELECT coalesce(sum(net) FILTER (WHERE net > 0), 0), coalesce(-sum(net) FILTER (WHERE net < 0), 0) FROM n""").fetchone()
    assert (s["overpaid"], s["underpaid"]) == (f"{over:.2f}", f"{under:.2f}")


def test_a_clean_synthetic_ledger_audits_clean(tmp_path):
    ledger, out, result = _audit(tmp_path, "jilin", rows=800, seed=5, defect_rate=0.0)
    assert result.exit_code == 0, result.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["verdict"] == "clean"


def test_a_regions_own_admdvs_is_the_synthetic_ledgers_insured_city(tmp_path):
    """A region file naming its 医保区划 (`admdvs: 330500`, 湖州) makes synth-ledger write it as insuplc_admdvs, so that
    `conform audit --region` of the same file (which takes it for --admdvs) audits the ledger as that city's and finds
    the planted set — the code had been one per document (330100), and the audit refused the ledger as another
    city's (probe s19 I)."""
    values = (Path(__file__).resolve().parents[2] / "conform" / "fixtures" / "regions" / "zhejiang-example.yaml").read_text(
        encoding="utf-8").split("values:", 1)[1]
    region = tmp_path / "zj-huzhou.yaml"
    region.write_text("name: zj-huzhou\nlabel: 浙江省某市（测试）\npolicy: zhejiang\nadmdvs: \"330500\"\nvalues:" + values,
                      encoding="utf-8")
    ledger = tmp_path / "zj.parquet"
    synth_ledger(1200, "zhejiang", ledger, region=str(region), defect_rate=0.3, seed=5, workers=1)
    con = duckdb.connect()
    assert con.execute(f"SELECT DISTINCT insuplc_admdvs FROM read_parquet('{ledger}')").fetchall() == [("330500",)]
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", str(region), "--persons",
                                       str(tmp_path / "zj.persons.jsonl"), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 1, result.output
    planted, found = (f"read_parquet('{f}')" for f in (tmp_path / "zj.planted.parquet", out / "discrepancies.parquet"))
    assert con.execute(f"SELECT count(*) FROM {planted}").fetchone()[0] > 20
    assert con.execute(f"(SELECT setl_id, field FROM {planted} EXCEPT SELECT setl_id, field FROM {found}) UNION ALL "
                       f"(SELECT setl_id, field FROM {found} EXCEPT SELECT setl_id, field FROM {planted})").fetchall() == []
