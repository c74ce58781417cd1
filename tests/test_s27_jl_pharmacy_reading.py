"""吉林 一 makes taking pharmacies into 门诊保障范围 the region's choice. Where a region has not taken them in, an
ordinary purchase there has no benefit by 一's own words; that a chronic (or special-disease) prescription filled
there loses the benefit 二（三）sets without naming a place of purchase is the reading A-JL-PHARMACY-CHRONIC, whose text
claims that case: the 定点零售药店 step cites it on a chronic purchase, and a check failing there names it (probe s27
H2 F7). Figures unchanged: nothing paid, no deductible counted.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.report.causes import blame
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind, load_policy

D = Decimal
# A 吉林 region that has not taken pharmacies in: no ordinary.ratio.pharmacy (fictitious figures).
JL_NO_PHARMACY = {"ordinary.deductible": "200", "ordinary.cap": "1500", "inpatient.retiree_ratio_bonus": "0.05",
                  "chronic.ratio": "0.70", "chronic.cap": "3000"}


def _settle(med_type: str, code: str | None = None):
    s = {"id": "V1", "date": "2023-03-01", "med_type": med_type, "facility": "pharmacy", "medfee_sumamt": "1000.00"}
    if code:
        s["dise_codg"] = code
    c = parse_case({"policy": "jilin",
                    "person": {"psn_no": "P1", "psn_type": "1101",
                               "chronic_diseases": [{"dise_codg": "M00100", "kind": "chronic"},
                                                    {"dise_codg": "M00600", "kind": "special"}]},
                    "settlements": [s]})
    r = PersonLedger(bind("jilin", None, JL_NO_PHARMACY), c.person).settle(c.items[0])
    return r, {t["step"]: t for t in r.trace.render()}


@pytest.mark.parametrize("code", ["M00100", "M00600"])
def test_a_chronic_purchase_at_a_pharmacy_not_taken_in_cites_the_reading(code):
    r, steps = _settle("14", code)
    assert (r.hifp_pay, r.act_pay_dedc, r.chronic_pay, r.benefit) == (D("0.00"), D("0.00"), D("0.00"), "none")
    assert steps["定点零售药店"]["clause"] == "吉林 一；A-JL-PHARMACY-CHRONIC"


def test_an_ordinary_purchase_there_rests_on_the_article_alone():
    r, steps = _settle("41")
    assert (r.hifp_pay, r.act_pay_dedc, r.benefit) == (D("0.00"), D("0.00"), "none")
    assert steps["定点零售药店"]["clause"] == "吉林 一"
    # the same words for both: only the clause tells the reading apart
    assert steps["定点零售药店"]["detail"] == _settle("14", "M00100")[1]["定点零售药店"]["detail"]


def test_a_system_paying_the_chronic_purchase_there_is_told_it_rests_on_the_reading():
    # mutant k_jl_chronic_pharmacy_paid_not_taken_in: (1000 − 200) × 70% = 560.00, deductible 200.00 counted
    _, steps = _settle("14", "M00100")
    trace = list(steps.values())
    ms = [{"field": "act_pay_dedc", "expected": "0.00", "actual": "200.00", "item": "V1"},
          {"field": "hifp_pay", "expected": "0.00", "actual": "560.00", "item": "V1"}]
    _, named = blame(ms, {"V1": trace}, "jilin")
    assert "A-JL-PHARMACY-CHRONIC" in named


def test_the_readings_text_claims_the_chronic_half_only():
    a = load_policy("jilin").assumptions["A-JL-PHARMACY-CHRONIC"]
    text = a["text"] if isinstance(a, dict) else getattr(a, "text", str(a))
    assert "普通门诊和门诊慢特病）统筹基金均不予支付" not in text
    assert "门诊慢特病处方到药店配药也不按门诊慢特病待遇支付" in text
