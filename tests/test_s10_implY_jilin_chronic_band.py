"""吉林 二（三）“支付比例原则上设60%和70%两档，由统筹区选择确定”: the band per person type (s10 rtext D2).

The text says nothing of in-service staff and retirees sharing one band, yet only `chronic.ratio` could be written: a
region running 在职60%/退休70% was judged against one band and its right system failed on the other group. Now
`chronic.ratio.in_service` / `chronic.ratio.retiree` are optional region figures, each one of 60 % / 70 %
(A-JL-CHRONIC-BAND), `chronic.ratio` staying the default for both. The engine, the properties' oracle and the draws
read them. Figures worked by hand from 二（二）、二（三）.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.generators import ROLE_FIGURES, Setting, settleable_diseases
from conform.harness.properties import figures
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind

D = Decimal


def chronic(params: dict, psn_type: str, amount: str = "1000.00", code: str = "M00100"):
    case = parse_case({"policy": "jilin",
                       "person": {"psn_no": "P1", "psn_type": psn_type,
                                  "chronic_diseases": [{"dise_codg": code, "kind": "chronic"}]},
                       "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "14", "dise_codg": code,
                                        "facility": "secondary", "medfee_sumamt": amount}]})
    return PersonLedger(bind("jilin", "jilin-example", params), case.person).settle(case.items[0])


@pytest.mark.parametrize("params, psn_type, pay", [
    # jilin-example: deductible 200 (shared with 普通门诊, 二（三）), chronic.ratio 70 %, chronic.cap 3000.
    # 在职 60 % / 退休 70 %: in service (1000 − 200) × 60% = 480.00; retiree (1000 − 200) × 70% = 560.00
    ({"chronic.ratio.in_service": "0.60", "chronic.ratio.retiree": "0.70"}, "1101", "480.00"),
    ({"chronic.ratio.in_service": "0.60", "chronic.ratio.retiree": "0.70"}, "1201", "560.00"),
    # one band 60 % for all, retirees 70 % of their own: in service 480.00; retiree 560.00
    ({"chronic.ratio": "0.60", "chronic.ratio.retiree": "0.70"}, "1101", "480.00"),
    ({"chronic.ratio": "0.60", "chronic.ratio.retiree": "0.70"}, "1201", "560.00"),
    # no person type's own: the region's one band 70 % for both (A-JL-CHRONIC-BAND), 800 × 70% = 560.00
    ({}, "1101", "560.00"),
    ({}, "1201", "560.00"),
])
def test_jilin_chronic_band_per_person_type(params, psn_type, pay):
    r = chronic(params, psn_type)
    assert (r.act_pay_dedc, r.hifp_pay) == (D("200.00"), D(pay))


@pytest.mark.parametrize("key", ["chronic.ratio.in_service", "chronic.ratio.retiree"])
def test_jilin_a_person_types_band_is_one_of_the_two(key):
    with pytest.raises(PolicyError, match=rf"{key} = 65% must be 60% or 70% .*A-JL-CHRONIC-BAND"):
        bind("jilin", "jilin-example", {key: "0.65"})


def test_the_oracle_and_the_draws_read_the_band_per_person_type():
    """The properties' oracle (figures.chronic_ratio) takes the person type's band; the draws take no figure's
    own parts for a disease code (chronic.ratio.retiree names no disease "ratio")."""
    rules = bind("jilin", "jilin-example", {"chronic.ratio.in_service": "0.60", "chronic.ratio.retiree": "0.70"})
    assert figures.chronic_ratio(rules, "M00100", "in_service") == D("0.60")
    assert figures.chronic_ratio(rules, "M00100", "retiree") == D("0.70")
    setting = Setting("jilin", "jilin-example", ROLE_FIGURES["jilin"])
    codes = [code for code, _ in settleable_diseases(setting)]
    assert "ratio" not in codes and "M00500" in codes
