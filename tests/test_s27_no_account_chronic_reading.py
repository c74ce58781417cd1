"""攀枝花: a person without a personal account (has_account false, or a 二档 flexible worker) still gets the 两病 and
门诊慢特病 benefits (A-PZH-NO-ACCOUNT-CHRONIC: 第七条 conditions ordinary pooling only). A system withholding them
takes the reading's other side, so the reference's working marks the step that decides it (`decides`) and a check
failing on a chronic figure of such a person names the reading, not 第十条 alone (probe s27 H2 F6). Figures unchanged.
Region panzhihua-example: M03900 (两病) deductible 0 / 50% / cap 300; 1000.00 at 二级 → 300.00 (cap), 400.00 onward.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.report.causes import blame
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal
NO_ACCOUNT = [({"psn_type": "1101", "has_account": False}, "攀枝花 第七条；A-PZH-NO-ACCOUNT-CHRONIC"),
              ({"psn_type": "1103", "flex_tier": 2}, "攀枝花 第七条；A-PZH-FLEX-TIER2；A-PZH-NO-ACCOUNT-CHRONIC")]


def _settle(person: dict, amount: str = "400.00"):
    c = parse_case({"policy": "panzhihua",
                    "person": {"psn_no": "P1", **person,
                               "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]},
                    "settlements": [{"id": "V1", "date": "2023-06-01", "med_type": "14", "facility": "secondary",
                                     "dise_codg": "M03900", "medfee_sumamt": amount}]})
    return PersonLedger(bind("panzhihua", "panzhihua-example"), c.person).settle(c.items[0])


@pytest.mark.parametrize("person, cited", NO_ACCOUNT)
def test_a_chronic_visit_without_an_account_says_the_benefit_is_kept_and_names_the_reading(person, cited):
    # 400.00 × 50% = 200.00, under the cap: nothing goes on to ordinary pooling, yet the step is there
    r = _settle(person)
    assert (r.chronic_pay, r.ordinary_pay, r.hifp_pay) == (D("200.00"), D("0.00"), D("200.00"))
    trace = r.trace.render()
    step = next(t for t in trace if t["step"] == "未建账户")
    assert step["clause"] == cited and step.get("decides")
    assert "照常" in step["detail"] and "value" not in step
    # it comes before the chronic figures, so each of them rests on it
    names = [t["step"] for t in trace]
    assert names.index("未建账户") < names.index("慢特病支付")


@pytest.mark.parametrize("person, cited", NO_ACCOUNT)
def test_a_system_withholding_the_chronic_benefit_is_told_it_rests_on_the_reading(person, cited):
    trace = _settle(person).trace.render()
    m = {"field": "chronic_pay", "expected": "200.00", "actual": "0.00", "item": "V1"}
    tags, named = blame([m], {"V1": trace}, "panzhihua")
    assert "A-PZH-NO-ACCOUNT-CHRONIC" in named, (tags, named)
    if "A-PZH-FLEX-TIER2" in cited:
        assert "A-PZH-FLEX-TIER2" in named


def test_the_figures_and_the_overflow_step_stay_as_they_were():
    # 1000.00: 300.00 (cap), the 400.00 past it unpaid at 享受条件, which still cites the same readings
    r = _settle({"psn_type": "1101", "has_account": False}, "1000.00")
    assert (r.chronic_pay, r.ordinary_pay, r.act_pay_dedc) == (D("300.00"), D("0.00"), D("0.00"))
    steps = {t["step"]: t for t in r.trace.render()}
    assert steps["享受条件"]["clause"] == "攀枝花 第七条；A-PZH-NO-ACCOUNT-CHRONIC"


def test_a_person_with_an_account_has_no_such_step():
    trace = _settle({"psn_type": "1101"}).trace.render()
    assert not any(t["step"] == "未建账户" for t in trace)
    assert not any(t.get("decides") for t in trace)
