"""Before 浙江's account reform the reference route, too, leaves the account's part of a settlement unassessed.

The ledger of tests/audit/test_s4_account_reform.py (浙江 example region with valid_from 2022-07-01, before
the account reform 二（三）dates at 2023-01-01; opening balance 2000.00):

  S1 2022-09-01 三级 1000.00: deductible 600.00, (1000 − 600) × 50% = 200.00 (201.00 recorded), 个人负担 800.00
  S2 2023-02-01 三级  100.00: fund 0.00, 个人负担 100.00, the account recorded as paying 0.00

The plan leaves S1's acct_pay/psn_cash_pay (and what decided them) unassessed, and takes S2's 0.00 as recorded,
what the account holds after S1 being unknown (A-AUDIT-ACCT-UNKNOWN). A retirement dated in the year by the
persons file (2023-06-01, after the first settlement) hands the person to the reference engine; no settlement
falls after it, so every figure must be the plan's. The reference route assessed S1's account as paying 0.00
on the "credits" basis (the engine's figure past a balance it had not used) and S2's 0.00 against the opening
balance, 2000.00 covering 100.00: acct_pay and psn_cash_pay found on S2.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conform.audit.run import audit

from test_s4_account_reform import HEADER, ROWS, _files

COLS = ("status", "hifp_pay", "psn_part_amt", "acct_pay", "psn_cash_pay", "acct_basis")


def _audit(folder: Path, retire: str | None, **kw):
    folder.mkdir(exist_ok=True)
    ledger, region, persons = _files(folder)
    rec = {"psn_no": "Z", "acct_balance": "2000.00"}
    if retire:
        rec["retire_date"] = retire
    persons.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), write=False, keep_connection=True, **kw)
    try:
        con = s["_connection"]
        if kw.get("engine") == "spark":  # the reference route's rows only (the plan's are Spark's)
            rows = {r[0]: r[1:] for r in con.execute(f"SELECT setl_id, {', '.join(COLS)} FROM expected_ref").fetchall()}
        else:
            rows = {r[0]: r[1:] for r in con.execute(
                f"SELECT l.setl_id, e.route, {', '.join('e.' + c for c in COLS)} "
                "FROM expected_rows e JOIN ledger l ON l.rid = e.rid").fetchall()}
    finally:
        con.close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    return code, s, rows


def _check(tmp_path: Path, **kw) -> None:
    code, s, rows = _audit(tmp_path / "ref", "2023-06-01", **kw)
    assert s["persons_reference"] == 1  # the retirement in the year hands the person over
    want = {"S1": ("ordinary", 20000, 80000, None, None, None),
            "S2": ("ordinary", 0, 10000, 0, 10000, 1)}  # ACCT_BASIS unknown after S1
    if kw.get("engine") == "spark":
        assert rows == want
    else:
        assert rows == {k: ("reference", *v) for k, v in want.items()}
        p_code, p, p_rows = _audit(tmp_path / "plan", None, **kw)
        assert p["persons_reference"] == 0
        assert {k: v[1:] for k, v in p_rows.items()} == want  # the same as the plan's, field by field
        assert (p_code, p["discrepancies_by_field"], p["unassessed"]) == (code, s["discrepancies_by_field"],
                                                                         s["unassessed"])
    assert {f: n for f, n in s["discrepancies_by_field"].items() if n} == {"hifp_pay": 1}
    assert code == 1 and s["unassessed"] == 0


def test_the_reference_route_leaves_the_account_before_the_reform_as_the_plan_on_duckdb(tmp_path):
    _check(tmp_path)


def test_the_reference_route_leaves_the_account_before_the_reform_as_the_plan_on_spark(tmp_path, spark):
    _check(tmp_path, engine="spark", spark=spark)


def test_a_reversal_of_a_settlement_before_the_reform_is_not_assessed_either(tmp_path):
    """S1 reversed after S2 (a reversal apart from its settlement: the reference route's): the reversal's
    account part is its settlement's, not assessed; S2's stays taken as recorded."""
    ledger, region, persons = _files(tmp_path)
    ledger.write_text("\n".join([HEADER + ",init_setl_id", *(r + "," for r in ROWS),
                                 "R1,Z,1101,2023-03-01,11,tertiary,-1000.00,-201.00,-800.00,0.00,-800.00,S1"]) + "\n",
                      encoding="utf-8")
    code, s = audit([str(ledger)], "zhejiang", str(region), str(persons), write=False, keep_connection=True)
    try:
        rows = {r[0]: r[1:] for r in s["_connection"].execute(
            f"SELECT l.setl_id, e.route, {', '.join('e.' + c for c in COLS)} "
            "FROM expected_rows e JOIN ledger l ON l.rid = e.rid").fetchall()}
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    assert rows == {"S1": ("reference", "ordinary", 20000, 80000, None, None, None),
                    "S2": ("reference", "ordinary", 0, 10000, 0, 10000, 1),
                    "R1": ("reference", "reversal", -20000, -80000, None, None, None)}
    assert {f: n for f, n in s["discrepancies_by_field"].items() if n} == {"hifp_pay": 2}


def _worked_examples(tmp_path: Path, monkeypatch, edit=lambda text: text) -> dict:
    """Audit the ledger (rewritten by `edit`) writing the reports; the worked examples the page explained, by setl_id."""
    from conform.audit import fallback

    seen = {}
    real = fallback.explain_settlement

    def keep(ctx, sid):
        seen[sid] = out = real(ctx, sid)
        return out

    monkeypatch.setattr(fallback, "explain_settlement", keep)
    folder = tmp_path / "w"
    folder.mkdir()
    ledger, region, persons = _files(folder)
    ledger.write_text(edit(ledger.read_text(encoding="utf-8")), encoding="utf-8")
    code, _ = audit([str(ledger)], "zhejiang", str(region), str(persons), out=tmp_path / "out")
    assert code == 1, code
    return seen


def test_the_worked_example_of_a_pre_reform_settlement_shows_its_account_part_as_not_assessed(tmp_path, monkeypatch):
    """S1's hifp_pay differs (201.00 recorded, 200.00 due), so it is a worked example; its acct_pay and
    psn_cash_pay are not this document's before the reform: the example's expected figures leave them empty, as
    the audit does, rather than show the engine's placeholder."""
    seen = _worked_examples(tmp_path, monkeypatch)
    assert "S1" in seen, seen
    expected = seen["S1"]["expected"]
    assert expected["hifp_pay"] == "200.00"
    assert expected["acct_pay"] is None and expected["psn_cash_pay"] is None, expected


def test_the_worked_example_of_a_later_settlement_keeps_its_account_figures(tmp_path, monkeypatch):
    """S2 (after the reform, the balance unknown since S1) is assessed as recorded (A-AUDIT-ACCT-UNKNOWN): made a
    worked example by a wrong hifp_pay (S1 corrected to 200.00, S2 recorded 1.00 where 0.00 is due), its expected
    acct_pay/psn_cash_pay are figures, not left empty as S1's are (closing review s6: every undetermined-or-unknown
    row was nulled)."""
    def edit(text: str) -> str:
        text = text.replace("2022-09-01,11,tertiary,1000.00,201.00,", "2022-09-01,11,tertiary,1000.00,200.00,")
        return text.replace("S2,Z,1101,2023-02-01,11,tertiary,100.00,0.00,", "S2,Z,1101,2023-02-01,11,tertiary,100.00,1.00,")

    seen = _worked_examples(tmp_path, monkeypatch, edit)
    assert "S2" in seen, seen
    expected = seen["S2"]["expected"]
    assert expected["hifp_pay"] == "0.00"
    assert expected["acct_pay"] is not None and expected["psn_cash_pay"] is not None, expected
