"""Before 浙江's account reform the audit does not assess the account's part of a settlement.

浙江 二（三）“2023年起开始实施改革” dates the account reform; a city may start its pooling earlier (三（二）,
here valid_from 2022-07-01 on zhejiang-example: deductible 600, 三级 50%). The account rules before the
reform are not in the text (A-BEFORE-VALIDITY), so for a settlement before 2023-01-01 acct_pay, and
psn_cash_pay which follows from it, are not assessed, and what the account holds after it is unknown
(A-AUDIT-ACCT-UNKNOWN from then on); the pooling figures are audited as ever.

  S1 2022-09-01 三级 1000.00: deductible 600.00, (1000 − 600) × 50% = 200.00, 个人负担 800.00
  S2 2023-02-01 三级  100.00: a new year, all 100.00 within the deductible, fund 0.00, 个人负担 100.00
Opening balance 2000.00: were S1's account payment this document's, it would be 800.00 and leave 1200.00,
which covers S2's 100.00 — a recorded 0.00 for S2 would then be a discrepancy.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conform.audit.run import audit

REGIONS = Path(__file__).resolve().parents[2] / "conform" / "fixtures" / "regions"
HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay,psn_part_amt,acct_pay,psn_cash_pay"
ROWS = ["S1,Z,1101,2022-09-01,11,tertiary,1000.00,201.00,800.00,0.00,800.00",  # hifp_pay one yuan too much
        "S2,Z,1101,2023-02-01,11,tertiary,100.00,0.00,100.00,0.00,100.00"]


def _files(tmp_path: Path) -> tuple[Path, Path, Path]:
    text = (REGIONS / "zhejiang-example.yaml").read_text(encoding="utf-8")
    region = tmp_path / "zhejiang-early.yaml"
    region.write_text(text.replace("values:\n", 'values:\n  valid_from: "2022-07-01"\n', 1)
                      .replace("name: zhejiang-example", "name: zhejiang-early"), encoding="utf-8")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "Z", "acct_balance": "2000.00"}) + "\n", encoding="utf-8")
    return ledger, region, persons


def _check(tmp_path: Path, **kw) -> None:
    ledger, region, persons = _files(tmp_path)
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), write=False, keep_connection=True, **kw)
    try:
        con = s["_connection"]
        rows = {r[0]: r[1:] for r in con.execute(
            "SELECT l.setl_id, e.status, e.hifp_pay, e.psn_part_amt, e.acct_pay, e.psn_cash_pay, e.acct_basis "
            "FROM expected_rows e JOIN ledger l ON l.rid = e.rid").fetchall()} if kw.get("engine") != "spark" else None
        found = s["discrepancies_by_field"]
    finally:
        if "_connection" in s and hasattr(s["_connection"], "close"):
            s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    assert s["persons_reference"] == 0  # the plan settled the person
    # the pooling is audited before the reform (200.00 expected, 201.00 recorded); the account is not,
    # and S2's 0.00 from an account whose balance is unknown after S1 is taken as recorded
    assert {f: n for f, n in found.items() if n} == {"hifp_pay": 1}
    assert code == 1 and s["unassessed"] == 0
    if rows is not None:
        assert rows["S1"] == ("ordinary", 20000, 80000, None, None, None)
        assert rows["S2"] == ("ordinary", 0, 10000, 0, 10000, 1)  # ACCT_BASIS unknown


def test_the_account_before_the_reform_is_not_assessed_and_unknown_after_on_duckdb(tmp_path):
    _check(tmp_path)


def test_the_account_before_the_reform_is_not_assessed_and_unknown_after_on_spark(tmp_path, spark):
    _check(tmp_path, engine="spark", spark=spark)


@pytest.mark.parametrize("flag", ["1", "0"])
def test_after_the_reform_the_account_is_audited_as_ever(tmp_path, flag):
    """The same city, a 2023 settlement only: 2000.00 covers 800.00, so a recorded 0.00 is found."""
    ledger, region, persons = _files(tmp_path)
    ledger.write_text(HEADER + ",acct_used_flag\nS1,Z,1101,2023-09-01,11,tertiary,1000.00,200.00,800.00,0.00,800.00,"
                      + flag + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), write=False)
    want = {"acct_pay": 1, "psn_cash_pay": 1} if flag == "1" else {}
    assert {f: n for f, n in s["discrepancies_by_field"].items() if n} == want
