"""Readings every settlement of some documents or persons rests on, named in the trace (probeC F5).

北京 and 浙江 name no period for the deductible or the cap; counting them by the natural year of the settlement date
is the tool's reading (A-YEAR-BY-SETTLEMENT-DATE). 攀枝花 (统筹年度（自然年度）), 南昌 (一个自然年度) and 吉林
(按自然年度累计) name it, so their steps do not cite it. The texts know 在职职工 and 退休人员 only; a flexible worker
(1103, 1203) taking one of them is A-PERSON-TYPES.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.audit.params import params_rows
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal
YEAR, TYPES = "A-YEAR-BY-SETTLEMENT-DATE", "A-PERSON-TYPES"


def _settle(policy, settlements, person=None):
    p = {"psn_no": "P1", "psn_type": "1101", **(person or {})}
    case = parse_case({"policy": policy, "person": p, "settlements": settlements})
    ledger = PersonLedger(bind(policy, f"{policy}-example"), case.person)
    return [ledger.settle(s) for s in case.items]


def _steps(r):
    return {s["step"]: s["clause"].split("；") for s in r.trace.render()}


def _visit(sid, date, amount):
    return {"id": sid, "date": date, "med_type": "11", "facility": "tertiary", "medfee_sumamt": amount}


def test_zhejiang_counts_by_the_natural_year_by_a_reading():
    """浙江 example city, in service, 三级 50%, deductible 600: 2023-12-30 1000.00 → (1000 − 600) × 50% = 200.00;
    2024-01-02 1000.00 starts afresh (the reading) → 200.00 again, its deductible and cap steps citing it."""
    rs = _settle("zhejiang", [_visit("V1", "2023-12-30", "1000.00"), _visit("V2", "2024-01-02", "1000.00")])
    assert [(r.act_pay_dedc, r.hifp_pay) for r in rs] == [(D("600.00"), D("200.00"))] * 2
    for r in rs:
        steps = _steps(r)
        assert steps["起付线"] == ["浙江 二（一）", YEAR] and steps["年度最高支付限额"] == ["浙江 二（一）", YEAR]
        assert YEAR not in steps["支付比例"]  # the ratio is no yearly figure


def test_beijing_counts_by_the_natural_year_by_a_reading():
    """北京 example, in service, 三级 70%, deductible 1800: 3000.00 → (3000 − 1800) × 70% = 840.00."""
    (r,) = _settle("beijing", [_visit("V1", "2023-03-01", "3000.00")])
    assert (r.act_pay_dedc, r.hifp_pay) == (D("1800.00"), D("840.00"))
    steps = _steps(r)
    assert steps["起付线"] == ["北京 (五)", YEAR] and steps["年度最高支付限额"] == ["北京 (五)", YEAR]


def test_a_document_naming_the_natural_year_does_not_cite_the_reading_and_the_audit_plan_agrees():
    """攀枝花 第七条 names 统筹年度（自然年度）: (1000 − 200) × 50% = 400.00 at 三级, the article alone. The audit's plan
    takes its deductible and cap clauses from the same figures: the reading for 浙江, not for 攀枝花."""
    (r,) = _settle("panzhihua", [_visit("V1", "2023-03-01", "1000.00")])
    assert r.hifp_pay == D("400.00")
    assert all(YEAR not in s["clause"] for s in r.trace.render())
    zj = [row for row in params_rows(bind("zhejiang", "zhejiang-example")) if row["facility"] == "tertiary"]
    pzh = [row for row in params_rows(bind("panzhihua", "panzhihua-example")) if row["facility"] == "tertiary"]
    assert all(YEAR in row["dedc_cite"].split("；") and YEAR in row["cap_cite"].split("；") for row in zj)
    assert all(YEAR not in row["dedc_cite"] and YEAR not in row["cap_cite"] for row in pzh)


@pytest.mark.parametrize("psn_type, role", [("1103", "在职"), ("1203", "退休")])
def test_a_flexible_workers_person_type_cites_the_reading(psn_type, role):
    """浙江 example city at 三级: 1103 as 在职 (deductible 600, 50%): (1000 − 600) × 50% = 200.00; 1203 as 退休
    (600 ÷ 2 = 300, 50% + 5 = 55%): (1000 − 300) × 55% = 385.00. A 1101 employee is 在职职工 in the text's own words."""
    (r,) = _settle("zhejiang", [_visit("V1", "2023-03-01", "1000.00")], {"psn_type": psn_type})
    assert r.hifp_pay == {"1103": D("200.00"), "1203": D("385.00")}[psn_type]
    (step,) = [s for s in r.trace.render() if s["step"] == "人员类别"]
    assert step["clause"] == TYPES and psn_type in step["detail"] and f"按{role}人员待遇" in step["detail"]
    (employee,) = _settle("zhejiang", [_visit("V1", "2023-03-01", "1000.00")])
    assert all(TYPES not in s["clause"] for s in employee.trace.render())
