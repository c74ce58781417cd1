"""Before 浙江's account reform the audit leaves acct_pay and psn_cash_pay unchecked, and says so.

The ledger of tests/audit/test_s4_account_reform.py (浙江 example region with valid_from 2022-07-01; the
account reform, 二（三）, dates 2023-01-01; opening balance 2000.00), here with S1's hifp_pay right:

  S1 2022-09-01 三级 1000.00: deductible 600.00, (1000 − 600) × 50% = 200.00, 个人负担 800.00; acct_pay 0.00 and
     psn_cash_pay 800.00 recorded, not this document's to decide (A-BEFORE-VALIDITY)
  S2 2023-02-01 三级  100.00: fund 0.00, 个人负担 100.00, the account's 0.00 taken as recorded (balance unknown)

Every audited figure matches, but S1's two recorded account figures were not checked: the verdict must not be
`clean` (it was, with unassessed 0 and acct_pay, psn_cash_pay listed as audited), and every report names the
fields, the reason (浙江 二（三）, A-BEFORE-VALIDITY), the rows and an example.
"""
from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from conform.audit.cli import _console
from conform.audit.run import audit

from test_s4_account_reform import HEADER, _files

RIGHT = ["S1,Z,1101,2022-09-01,11,tertiary,1000.00,200.00,800.00,0.00,800.00",
         "S2,Z,1101,2023-02-01,11,tertiary,100.00,0.00,100.00,0.00,100.00"]


def _ledger(tmp_path: Path, header: str = HEADER, rows=RIGHT):
    ledger, region, persons = _files(tmp_path)
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return ledger, region, persons


def _check_entry(entry: dict, rows: int = 1, fields=("acct_pay", "psn_cash_pay")) -> None:
    assert entry["fields"] == list(fields)
    assert entry["rows"] == rows and entry["example_setl_id"] == "S1"
    assert "浙江 二（三）" in entry["reason"] and "A-BEFORE-VALIDITY" in entry["reason"]
    assert "2023-01-01" in entry["reason"]


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_unchecked_account_fields_are_counted_and_the_verdict_is_incomplete(tmp_path, engine, request):
    ledger, region, persons = _ledger(tmp_path)
    kw = {"engine": "spark", "spark": request.getfixturevalue("spark")} if engine == "spark" else {}
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), out=out, **kw)
    assert sum(s["discrepancies_by_field"].values()) == 0 and s["unassessed"] == 0
    [entry] = s["fields_not_assessed"]
    _check_entry(entry)
    assert code == 2  # incomplete, never clean

    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert written["verdict"] == "incomplete" and written["exit_code"] == 2
    _check_entry(written["fields_not_assessed"][0])

    rows = {r[0]: r[1] for r in openpyxl.load_workbook(out / "audit.xlsx")["概要"].iter_rows(min_row=2, values_only=True)}
    assert rows["结论 verdict"] == "未能全部审核：1 行的部分记录字段未审核，其余未发现差异"
    said = rows["部分字段未审核 not assessed：acct_pay、psn_cash_pay"]
    assert said.startswith("1 行，例如 setl_id S1：") and "浙江 二（三）" in said

    page = (out / "audit.html").read_text(encoding="utf-8")
    assert 'id="fields-not-assessed"' in page and "1 行的部分记录字段未审核" in page
    assert "A-BEFORE-VALIDITY" in page[page.index('id="fields-not-assessed"'):]

    console = "\n".join(_console(s))
    assert "未审核 not assessed: acct_pay、psn_cash_pay — 1 行 rows（例如 setl_id S1）" in console


def test_with_a_discrepancy_the_verdict_also_says_what_went_unchecked(tmp_path):
    ledger, region, persons = _ledger(tmp_path, rows=[RIGHT[0].replace(",200.00,", ",201.00,"), RIGHT[1]])
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), out=out)
    assert code == 1 and {f: n for f, n in s["discrepancies_by_field"].items() if n} == {"hifp_pay": 1}
    _check_entry(s["fields_not_assessed"][0])
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(out / "audit.xlsx")["概要"].iter_rows(min_row=2, values_only=True)}
    assert rows["结论 verdict"].endswith("；另有 1 行的部分记录字段未审核")


def test_only_the_recorded_field_is_named_and_a_ledger_without_either_is_clean(tmp_path):
    """A ledger with acct_pay but no psn_cash_pay names acct_pay alone; one with neither checks nothing
    it leaves out: clean, as before."""
    cols = HEADER.split(",")
    no_cash = ",".join(cols[:-1])
    ledger, region, persons = _ledger(tmp_path, no_cash, [r.rsplit(",", 1)[0] for r in RIGHT])
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), write=False)
    _check_entry(s["fields_not_assessed"][0], fields=("acct_pay",))
    assert code == 2

    neither = ",".join(cols[:-2])
    ledger.write_text("\n".join([neither, *(r.rsplit(",", 2)[0] for r in RIGHT)]) + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), write=False)
    assert s["fields_not_assessed"] == [] and code == 0


def test_after_the_reform_nothing_goes_unchecked(tmp_path):
    """Without S1 the opening balance is known at S2, and its account pays all 100.00."""
    ledger, region, persons = _ledger(tmp_path, rows=["S2,Z,1101,2023-02-01,11,tertiary,100.00,0.00,100.00,100.00,0.00"])
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), write=False)
    assert s["fields_not_assessed"] == [] and code == 0
