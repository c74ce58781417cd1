"""浙江 二（一）“退休人员起付线减半执行” fixes no rounding (probeC F2).

A city that states its retiree deductible may write either fen next to the exact half of an odd-fen in-service
deductible; half up (A-ZJ-HALF-FEN) is the tool's reading only for deriving a half the city leaves out. A figure
that is not the half at all is still refused.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind

D = Decimal
CITY = {"ordinary.deductible.in_service": "555.55", "ordinary.cap": "2000", "ordinary.ratio.primary": "0.70",
        "ordinary.ratio.unrated": "0.70", "ordinary.ratio.secondary": "0.60", "ordinary.ratio.tertiary": "0.50"}


def _retiree_visit(rules):
    case = parse_case({"policy": "zhejiang", "person": {"psn_no": "R", "psn_type": "1201"},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "secondary",
                                        "medfee_sumamt": "1000.00"}]})
    return PersonLedger(rules, case.person).settle(case.items[0])


def test_a_stated_half_rounded_down_is_the_citys_own_figure():
    """555.55 ÷ 2 = 277.775: the city's 277.77 is 减半 too. Retiree at 二级 60% + 5 = 65%:
    (1000.00 − 277.77) × 65% = 722.23 × 0.65 = 469.4495 → 469.45 (A-ROUND-FEN)."""
    rules = bind("zhejiang", params={**CITY, "ordinary.deductible.retiree": "277.77"})
    r = _retiree_visit(rules)
    assert (r.act_pay_dedc, r.hifp_pay) == (D("277.77"), D("469.45"))
    (dedc,) = [s for s in r.trace.render() if s["step"] == "起付线"]
    assert "A-ZJ-HALF-FEN" not in dedc["clause"]  # the city's figure, not the tool's rounding


def test_only_the_stated_figure_changes_and_an_unstated_half_is_still_derived_half_up():
    """The same city stating nothing: 277.775 → 277.78 (A-ZJ-HALF-FEN): (1000.00 − 277.78) × 65% = 722.22 × 0.65
    = 469.443 → 469.44; stating 277.77 gives 469.45 (above)."""
    stated = _retiree_visit(bind("zhejiang", params={**CITY, "ordinary.deductible.retiree": "277.77"}))
    derived = _retiree_visit(bind("zhejiang", params=CITY))
    assert (stated.act_pay_dedc, stated.hifp_pay) == (D("277.77"), D("469.45"))
    assert (derived.act_pay_dedc, derived.hifp_pay) == (D("277.78"), D("469.44"))
    (dedc,) = [s for s in derived.trace.render() if s["step"] == "起付线"]
    assert "A-ZJ-HALF-FEN" in dedc["clause"]


def test_either_fen_next_to_the_half_and_no_other():
    """555.55 ÷ 2 = 277.775: 277.77 and 277.78 are within half a fen of it, 277.76 and 277.79 are 0.015 off;
    600 ÷ 2 = 300 exactly, so 299.99 is not the half."""
    for in_service, retiree, ok in [("555.55", "277.77", True), ("555.55", "277.78", True),
                                    ("555.55", "277.76", False), ("555.55", "277.79", False), ("600", "299.99", False)]:
        params = {**CITY, "ordinary.deductible.in_service": in_service, "ordinary.deductible.retiree": retiree}
        if ok:
            assert bind("zhejiang", params=params).get("ordinary.deductible.retiree").value == D(retiree)
        else:
            with pytest.raises(PolicyError, match="not half of ordinary.deductible.in_service.*浙江 二（一）.*减半"):
                bind("zhejiang", params=params)
