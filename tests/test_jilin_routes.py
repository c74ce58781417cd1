"""吉林: which route a 门诊慢特病 settlement takes, and which article each inpatient-route step cites.

吉林 (吉医保联〔2022〕22号) 二（三）门诊慢性病 (shares the ordinary deductible, 60%/70%, cap ≤ 6500) and
二（四）门诊特殊疾病 (同等级住院起付标准, once a year with top-up, 同级住院比例, inpatient cap) pay the same
med_type 14 differently; 二（一）leaves the disease list to the province (具体病种另行制定). Which one a
settlement is therefore follows the person's registration (chronic_diseases), and an unregistered disease
is refused rather than guessed. 二（五）急诊抢救 and 二（六）日间手术 go along inpatient rules by their own
articles, so their steps cite those first (and 二（四）, under which the region's inpatient figures are
required, once).

Example region jilin-example (fictitious, fixtures/regions/): ordinary deductible 200 / cap 1500;
chronic 70% / cap 3000; inpatient deductible 300/500/800, ratio 90/85/80% (一级/二级/三级), tilt 5 points,
cap 150000; day surgery without deductible.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from reference.case import parse_case
from reference.engine import PersonLedger
from reference.policy import bind

D = Decimal


def clauses(result) -> list[str]:
    return [s["clause"] for s in result.trace.render()]


# =========================================================================== 二（四）–（六）: citations


def _visit(med_type: str, amount: str, facility: str = "tertiary"):
    return {"id": "S1", "date": "2023-03-01", "med_type": med_type, "facility": facility, "medfee_sumamt": amount}


def _settle(settlement: dict, person: dict | None = None, params: dict | None = None):
    p = {"psn_no": "P1", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "M00600", "kind": "special"}],
         **(person or {})}
    case = parse_case({"policy": "jilin", "person": p, "settlements": [settlement]})
    return PersonLedger(bind("jilin", "jilin-example", params), case.person).settle(case.items[0])


def _steps(r) -> dict[str, str]:
    return {s["step"]: s["clause"] for s in r.trace.render()}


@pytest.mark.parametrize(
    "settlement, params, pay, expected",
    [
        # 二（五）: (1000 − 800) × 80% = 160.00
        (_visit("13", "1000"), None, "160.00", {
            "待遇路径": "吉林 二(五)",
            "起付线（参照住院）": "吉林 二(五)；吉林 二(四)；A-JL-EMERGENCY-DEDUCTIBLE",
            "住院比例和限额": "吉林 二(五)；吉林 二(四)"}),
        # 二（六）可以不设起付线 (example waives it): 5000 × 80% = 4000.00
        (_visit("28", "5000"), None, "4000.00", {
            "待遇路径": "吉林 二(六)",
            "日间手术起付线": "吉林 二(六)",
            "住院比例和限额": "吉林 二(六)；吉林 二(四)"}),
        # 二（六）with a deductible (region's choice): (5000 − 800) × 80% = 3360.00
        (_visit("28", "5000"), {"day_surgery.waive_deductible": "false"}, "3360.00", {
            "待遇路径": "吉林 二(六)",
            "起付线（参照住院）": "吉林 二(六)；吉林 二(四)；A-JL-EMERGENCY-DEDUCTIBLE",
            "住院比例和限额": "吉林 二(六)；吉林 二(四)"}),
        # 二（四）itself: (1000 − 800) × 80% = 160.00, cited once
        ({**_visit("14", "1000"), "dise_codg": "M00600"}, None, "160.00", {
            "待遇路径": "吉林 二(四)",
            "特殊疾病起付线": "吉林 二(四)",
            "住院比例和限额": "吉林 二(四)"}),
    ],
)
def test_inpatient_route_steps_cite_their_own_article_once(settlement, params, pay, expected):
    r = _settle(settlement, params=params)
    assert r.inpatient_pay == D(pay)
    steps = _steps(r)
    assert {k: steps.get(k) for k in expected} == expected
    for clause in clauses(r):
        parts = clause.split("；")
        assert len(parts) == len(set(parts)), clause
        assert parts[0].strip() != "吉林", clause  # never the bare document for a route step


@pytest.mark.parametrize("med_type, amount, article", [("13", "1000", "二(五)"), ("28", "5000", "二(六)"),
                                                       ("14", "1000", "二(四)")])
def test_retiree_ratio_cites_the_tilt(med_type, amount, article):
    """二（二）退休人员的倾斜…同统筹区住院统筹基金倾斜支付比例; A-JL-SPECIAL-RETIREE: 三级 80% + 5 = 85%.
    Emergency (1000 − 800) × 85% = 170.00; day surgery 5000 × 85% = 4250.00; special (1000 − 800) × 85% = 170.00."""
    s = _visit(med_type, amount)
    if med_type == "14":
        s["dise_codg"] = "M00600"
    r = _settle(s, {"psn_type": "1201"})
    assert r.inpatient_pay == D({"13": "170.00", "28": "4250.00", "14": "170.00"}[med_type])
    clause = _steps(r)["住院比例和限额"]
    assert clause.startswith(f"吉林 {article}") and "吉林 二（二）" in clause and "A-JL-SPECIAL-RETIREE" in clause
