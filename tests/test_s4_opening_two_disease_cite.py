"""攀枝花: a 两病 payment cites 第九条 (“两病”门诊用药……与城乡居民“两病”门诊用药保持一致), not 第十条's 门诊慢特病,
and names A-PZH-TWO-DISEASE-REGISTERED where the person is also registered for a 门诊慢特病 disease (the figure
then rests on reading 第十条's 不得重复享受 per cost, not per person).

panzhihua-example (fictitious): M03900 deductible 0 / 50% / cap 300; M00500 300 / 80% / 4000.
X22: M03900 at 一级, 200.00: 200 × 50% = 100.00.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import MissingParameter, bind

BOTH = [("M00500", "chronic"), ("M03900", "two_disease")]


def _settle(diseases, code="M03900", amount="200.00", region="panzhihua-example", params=None):
    c = parse_case({"policy": "panzhihua",
                    "person": {"psn_no": "X2", "psn_type": "1101",
                               "chronic_diseases": [{"dise_codg": d, "kind": k} for d, k in diseases]},
                    "settlements": [{"id": "X22", "date": "2023-07-01", "med_type": "14", "facility": "primary",
                                     "dise_codg": code, "medfee_sumamt": amount}]})
    r = PersonLedger(bind("panzhihua", region, params), c.person).settle(c.items[0])
    return r, {s["step"]: s for s in r.trace.render()}


def test_a_two_disease_payment_of_a_person_also_registered_for_a_chronic_disease_names_the_reading():
    r, steps = _settle(BOTH)
    assert r.hifp_pay == Decimal("100.00")
    for step in ("慢特病起付线", "慢特病支付"):
        assert steps[step]["clause"] == "攀枝花 第九条；A-PZH-TWO-DISEASE-REGISTERED", steps[step]
    assert "“两病”" in steps["慢特病支付"]["detail"]


def test_a_two_disease_payment_alone_cites_article_nine_only():
    _, steps = _settle([("M03900", "two_disease")])
    assert steps["慢特病支付"]["clause"] == "攀枝花 第九条"


def test_a_chronic_payment_still_cites_article_ten():
    _, steps = _settle(BOTH, code="M00500", amount="1300.00")
    assert steps["慢特病支付"]["clause"] == "攀枝花 第十条"
    assert "“两病”" not in steps["慢特病支付"]["detail"]


def test_a_two_disease_visit_past_its_cap_cites_article_nine_for_the_cap_and_eleven_for_the_rest():
    # 800.00: 800 × 50% = 400 > cap 300 → 300.00, covering 600.00; 200.00 to ordinary pooling (第十一条)
    r, steps = _settle([("M03900", "two_disease")], amount="800.00")
    assert r.chronic_pay == Decimal("300.00")
    assert steps["慢特病支付"]["clause"] == "攀枝花 第九条"
    assert steps["转入普通门诊统筹"]["clause"].startswith("攀枝花 第十一条")
    assert steps["转入普通门诊统筹"]["detail"].startswith("“两病”限额内")


def test_a_missing_two_disease_figure_names_article_nine():
    with pytest.raises(MissingParameter) as e:
        _settle([("M777", "two_disease")], code="M777", region=None)
    assert e.value.key.startswith("chronic.M777.") and "攀枝花 第九条" in str(e.value) and "第十条" not in str(e.value)
    assert "城乡居民“两病”门诊用药保持一致" in str(e.value)
