"""吉林 inpatient-route steps name the readings their figures rest on (probeC F1).

二（四）/（五）/（六）send 门诊特殊疾病, 急诊 and 日间手术 to the 同等级/同级/就诊定点医疗机构 inpatient figures; a 未定级
facility has no level in that sense, and taking the 一级 figures is the tool's reading A-JL-INPATIENT-LEVEL. 二（四）
fixes the special-disease deductible's first count, a count at the same level (一个自然年度内计算一次) and the top-up
going up (前往上级…补差计算); what a lower level tops up after an unmet higher standard is A-JL-SPECIAL-DEDUCTIBLE-LEVEL.
A step resting on a reading must cite it beside the article, so that a failure there is not blamed on the article.

Example region (conform/fixtures/regions/jilin-example.yaml, fictitious): inpatient deductible 300/500/800 and ratio
90/85/80% for 一级/二级/三级, day surgery without a deductible.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind, load_policy

D = Decimal
SPECIAL = [{"dise_codg": "M00600", "kind": "special"}]
LEVEL, TOP_UP = "A-JL-INPATIENT-LEVEL", "A-JL-SPECIAL-DEDUCTIBLE-LEVEL"


def _run(settlements, person=None):
    p = {"psn_no": "P1", "psn_type": "1101", "chronic_diseases": SPECIAL, **(person or {})}
    case = parse_case({"policy": "jilin", "person": p, "settlements": settlements})
    ledger = PersonLedger(bind("jilin", "jilin-example"), case.person)
    return [ledger.settle(s) for s in case.items]


def _visit(sid, day, amount, facility, med_type):
    v = {"id": sid, "date": f"2023-03-{day:02d}", "med_type": med_type, "facility": facility, "medfee_sumamt": amount}
    return {**v, "dise_codg": "M00600"} if med_type == "14" else v


def _clause(r, step):
    (found,) = [s["clause"] for s in r.trace.render() if s["step"] == step]
    return found.split("；")


@pytest.mark.parametrize("med_type, dedc_step, article", [
    ("13", "起付线（参照住院）", "吉林 二(五)"),
    ("14", "特殊疾病起付线", "吉林 二(四)"),
])
def test_unrated_deductible_and_ratio_cite_the_level_reading(med_type, dedc_step, article):
    """未定级 at the 一级 figures: (1000 − 300) × 90% = 630.00, both steps citing the reading after the article; at
    一级 itself the same figures are the article's own 同等级 and cite no reading."""
    (r,) = _run([_visit("V1", 1, "1000", "unrated", med_type)])
    assert (r.act_pay_dedc, r.inpatient_pay) == (D("300.00"), D("630.00"))
    assert _clause(r, dedc_step)[:2] == [article, LEVEL]
    assert LEVEL in _clause(r, "住院比例和限额")
    (rated,) = _run([_visit("V1", 1, "1000", "primary", med_type)])
    assert (rated.act_pay_dedc, rated.inpatient_pay) == (D("300.00"), D("630.00"))
    assert all(LEVEL not in s["clause"] for s in rated.trace.render())


def test_unrated_day_surgery_cites_the_level_reading_on_its_ratio_only():
    """Day surgery without a deductible (二（六）, the region's choice): 1000 × 90% = 900.00; only the ratio is the 一级 one."""
    (r,) = _run([_visit("V1", 1, "1000", "unrated", "28")])
    assert (r.act_pay_dedc, r.inpatient_pay) == (D("0.00"), D("900.00"))
    assert LEVEL not in _clause(r, "日间手术起付线")
    assert LEVEL in _clause(r, "住院比例和限额")


def test_the_level_reading_is_the_one_the_policy_file_names():
    """The engine reads the reading from jilin.yaml (`inpatient_unrated`), not a string of its own."""
    assert load_policy("jilin").doc["inpatient_unrated"] == {"level": "primary", "assumption": LEVEL}


def test_a_lower_level_after_an_unmet_higher_standard_cites_the_top_up_reading():
    """三级 300.00, all of it towards the 800 standard; then 二级 1000.00 tops up 500 − 300 = 200.00 only (the reading),
    and pays (1000 − 200) × 85% = 680.00."""
    r1, r2 = _run([_visit("V1", 1, "300", "tertiary", "14"), _visit("V2", 2, "1000", "secondary", "14")])
    assert (r1.act_pay_dedc, r1.inpatient_pay) == (D("300.00"), D("0.00"))
    assert TOP_UP not in _clause(r1, "特殊疾病起付线")  # the year's first count: 同等级住院起付标准, the text
    assert (r2.act_pay_dedc, r2.inpatient_pay) == (D("200.00"), D("680.00"))
    assert _clause(r2, "特殊疾病起付线") == ["吉林 二(四)", TOP_UP]
    assert TOP_UP == load_policy("jilin").routes["special"]["deductible_once_per_year_with_top_up"]["assumption"]


def test_the_top_up_reading_is_cited_only_where_the_text_leaves_the_top_up_open():
    """A lower level after an unmet higher standard cites it; what the text fixes does not."""
    cases = [
        # 三级 300.00 towards 800; 二级 1000.00 tops up 500 − 300 = 200.00 only (the reading): (1000 − 200) × 85% = 680.00
        (("300", "tertiary"), ("1000", "secondary"), "200.00", "680.00", True),
        # same level: 二级 300.00, then 二级 1000.00 tops up 500 − 300 = 200.00: 680.00 (一个自然年度内计算一次)
        (("300", "secondary"), ("1000", "secondary"), "200.00", "680.00", False),
        # going up: 二级 300.00, then 三级 1000.00 tops up 800 − 300 = 500.00: (1000 − 500) × 80% = 400.00 (补差计算)
        (("300", "secondary"), ("1000", "tertiary"), "500.00", "400.00", False),
        # the higher standard met: 三级 1000.00 counts 800.00; 二级 1000.00 counts nothing: 1000 × 85% = 850.00
        (("1000", "tertiary"), ("1000", "secondary"), "0.00", "850.00", False),
    ]
    for first, second, dedc2, pay2, cited in cases:
        r1, r2 = _run([_visit("V1", 1, first[0], first[1], "14"), _visit("V2", 2, second[0], second[1], "14")])
        assert TOP_UP not in _clause(r1, "特殊疾病起付线")  # the year's first count: 同等级住院起付标准, the text
        assert (r2.act_pay_dedc, r2.inpatient_pay) == (D(dedc2), D(pay2)), (first, second)
        assert (TOP_UP in _clause(r2, "特殊疾病起付线")) is cited, (first, second)


def test_an_opening_special_deductible_of_unknown_level_may_rest_on_the_top_up_reading():
    """ytd special_dedc 300.00 counted at a level no one says (三级 would leave it unmet): 二级 1000.00 tops up
    500 − 300 = 200.00, which the reading decides if it was 三级: (1000 − 200) × 85% = 680.00."""
    (r,) = _run([_visit("V1", 2, "1000", "secondary", "14")], {"ytd": {"year": 2023, "special_dedc": "300"}})
    assert (r.act_pay_dedc, r.inpatient_pay) == (D("200.00"), D("680.00"))
    assert TOP_UP in _clause(r, "特殊疾病起付线")
