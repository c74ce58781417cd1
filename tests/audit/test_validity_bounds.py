"""A document's first and last day of validity: a settlement ON the bound is the document's, the day
beyond it is not — on either route (the plan's `rated` stage, or the reference engine).

攀枝花 第十九条: “本实施细则自2023年1月1日起实施，有效期5年” — valid 2023-01-01 to 2027-12-31. A settlement
after that is none of this text's: not assessed (refused_validity, exit 2, verdict incomplete).
  V1 on 2027-12-31, in service, 三级, 1000.00 in scope (第七条): deductible 200.00 (a new natural year, nothing
  counted yet), (1000 − 200) × 50% = 400.00 from the fund.
  V2 on 2028-01-01: unassessed.

南昌 起草说明 四（六）: “《实施细则》自2023年1月1日起施行”; before it the pooled fund paid no ordinary
outpatient costs (一: 个人账户用于参保人员普通门诊…医疗费用支出) — `none_pre`, the fund pays nothing.
  N1 on 2023-01-01, in service, 三级, 1000.00 in scope (四（二）1): deductible 600.00,
  (1000 − 600) × 50% = 200.00 from the fund.
  N0 on 2022-12-31: none_pre — deductible 0.00, fund 0.00.
南昌 一 names only 普通门诊 and 定点零售药店 as the account's before the start; a 急诊 (13) or 日间手术 (28) on
2022-12-31 it does not settle (whether it then counted as ordinary or went along inpatient rules, it does not
say; A-EMERGENCY-ORDINARY reads the rules in force): not assessed (refused_validity), never a 0.
  E0/D0 on 2022-12-31, recorded with fund 0.00: unassessed. E1 on 2023-01-01, 急诊 三级 1000.00 under
  A-EMERGENCY-ORDINARY: deductible 600.00 (E0 counted nothing), (1000 − 600) × 50% = 200.00.
"""
from __future__ import annotations

import json

import pytest

from _kept import kept_audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay"
# A retirement date years ahead changes no figure here but sends the person to the reference engine
# (a retirement after the first settlement, conform/audit/plan.py `routed`): both routes must say the same.
ROUTES = {"plan": {}, "reference": {"retire_date": "2040-01-01"}}


def _audit(tmp_path, policy: str, rows: list[str], route: str) -> tuple[int, dict, dict[str, tuple]]:
    """Exit code, summary (with summary.json's verdict), and setl_id -> (status, act_pay_dedc, hifp_pay) as the audit expects them (fen)."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    psn_nos = sorted({r.split(",")[1] for r in rows})
    persons.write_text("".join(json.dumps({"psn_no": p, **ROUTES[route]}) + "\n" for p in psn_nos), encoding="utf-8")
    out = tmp_path / "out"
    with kept_audit([str(ledger)], policy, f"{policy}-example", str(persons), out=out) as (code, s, con):
        got = con.execute("SELECT l.setl_id, e.status, e.act_pay_dedc, e.hifp_pay FROM expected_rows e "
                          "JOIN ledger l ON l.rid = e.rid").fetchall()
    s["verdict"] = json.loads((out / "summary.json").read_text(encoding="utf-8"))["verdict"]
    assert s["persons_reference"] == (len(psn_nos) if route == "reference" else 0)
    return code, s, {sid: (status, dedc, fund) for sid, status, dedc, fund in got}


@pytest.mark.parametrize("route", ROUTES)
def test_a_settlement_on_the_last_day_is_audited_and_the_day_after_is_not(tmp_path, route):
    code, s, got = _audit(tmp_path, "panzhihua", ["V1,A,1101,2027-12-31,11,tertiary,1000.00,200.00,400.00",
                                                  "V2,B,1101,2028-01-01,11,tertiary,1000.00,200.00,400.00"], route)
    assert got["V1"][1:] == (20000, 40000)
    assert got["V2"][1:] == (None, None)
    assert (code, s["verdict"], s["unassessed"], sum(s["discrepancies_by_field"].values())) == (2, "incomplete", 1, 0)
    (reason,) = s["unassessed_by_reason"]
    assert (reason["status"], reason["rows"], reason["example_setl_id"]) == ("refused_validity", 1, "V2")


@pytest.mark.parametrize("route", ROUTES)
def test_a_settlement_on_the_first_day_is_pooled_and_the_day_before_is_not(tmp_path, route):
    code, s, got = _audit(tmp_path, "nanchang", ["N1,A,1101,2023-01-01,11,tertiary,1000.00,600.00,200.00",
                                                 "N0,B,1101,2022-12-31,11,tertiary,1000.00,0.00,0.00"], route)
    assert got["N1"][1:] == (60000, 20000)
    assert got["N0"][1:] == (0, 0)
    if route == "plan":  # the reference engine's rows say `reference`, with the figures above
        assert (got["N1"][0], got["N0"][0]) == ("ordinary", "none_pre")
    assert (code, s["verdict"], s["unassessed"], sum(s["discrepancies_by_field"].values())) == (0, "clean", 0, 0)


@pytest.mark.parametrize("route", ROUTES)
def test_nanchang_emergency_and_day_surgery_before_the_first_day_are_not_assessed(tmp_path, route):
    code, s, got = _audit(tmp_path, "nanchang", ["E0,A,1101,2022-12-31,13,tertiary,1000.00,0.00,0.00",
                                                 "E1,A,1101,2023-01-01,13,tertiary,1000.00,600.00,200.00",
                                                 "D0,B,1101,2022-12-31,28,tertiary,1000.00,0.00,0.00"], route)
    assert got["E0"][1:] == got["D0"][1:] == (None, None)  # no expected figure, least of all a 0
    assert got["E1"][1:] == (60000, 20000)
    if route == "plan":
        assert (got["E0"][0], got["D0"][0], got["E1"][0]) == ("refused_validity", "refused_validity", "ordinary")
    assert (code, s["verdict"], s["unassessed"], sum(s["discrepancies_by_field"].values())) == (2, "incomplete", 2, 0)
    (reason,) = s["unassessed_by_reason"]
    assert (reason["status"], reason["rows"]) == ("refused_validity", 2)
