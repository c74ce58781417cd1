"""The differential property blames where the system first departs from the reference (rmut4 D5).

A system settling a pharmacy purchase as a 一级 facility visit (60% under 吉林 二（二） instead of the
region's pharmacy ratio, 50%, for the pharmacies 吉林 一 brings into outpatient cover) differs on that
purchase and then on later visits: the cap room it used up, and a chronic purchase at a pharmacy that
overflows to ordinary pooling at the same wrong ratio. The check used to merge the routes of every
differing visit and blamed 吉林 二（三）、六（三） (chronic benefit, hospital stay), marking them failed in
the article matrix, though the purchase that went wrong cites 吉林 一.
"""
from __future__ import annotations

import contextlib
import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import differential as diff
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation, Story
from conform.harness.properties.runner import Budget, _reported
from conform.harness.results import CheckResult, Mismatch
from conform.reference import benefits
from conform.reference.case import parse_person, parse_settlement

_ratio = benefits.ordinary_ratio


@contextlib.contextmanager
def _pharmacy_as_primary():
    """rmut4's twin pharmacy_as_primary: the engine patched only while the system under test answers, so the
    oracle (the property's own ReferenceAdapter) stays the reference."""
    benefits.ordinary_ratio = lambda rules, role, facility: _ratio(
        rules, role, "primary" if facility == "pharmacy" else facility)
    try:
        yield
    finally:
        benefits.ordinary_ratio = _ratio


class PharmacyAsPrimary(ReferenceAdapter):
    name = "pharmacy-as-primary"
    description = "a pharmacy purchase paid at the 一级 ratio"

    def settle(self, psn_no, settlement):
        with _pharmacy_as_primary():
            return super().settle(psn_no, settlement)


# The shrunk counterexample of rmut4's run (/work/notes/s6/rmut4/runs/pharmacy_as_primary/results.json,
# test_differential[jilin], seed 1), visit for visit as its evidence sent them.
# (id, date, med_type, facility, medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, dise, acct, remote)
VISITS = [
    ("V1", "2024-02-29", "11", "secondary", "2262.93", "0", "0", "0", None, False, False),
    ("V2", "2024-03-08", "14", "secondary", "152.73", "0", "0", "42.61", "M03901", True, False),
    ("V3", "2024-03-17", "41", "pharmacy", "297.90", "0", "0", "248.44", None, True, False),
    ("V4", "2024-03-17", "11", "unrated", "43431.50", "21411.72", "0", "19619.62", None, True, True),
    ("V5", "2024-04-11", "28", "unrated", "290.57", "0", "0", "210.37", None, False, False),
    ("V6", "2024-04-30", "28", "tertiary", "1448.33", "0", "1446.88", "0", None, True, False),
    ("V7", "2024-04-30", "14", "secondary", "86366.73", "0", "0", "0", "M03901", True, False),
    ("V8", "2024-06-03", "41", "pharmacy", "2472.65", "1265.99", "0", "212.37", None, False, False),
    ("V9", "2024-06-03", "14", "primary", "16.62", "0", "0", "0", "M00500", False, False),
    ("V10", "2024-06-19", "13", "unrated", "2496.77", "274.64", "0", "0", None, True, False),
    ("V11", "2024-06-19", "14", "pharmacy", "82797.70", "0", "0", "0", "M03901", True, False),
    ("V12", "2024-06-25", "11", "primary", "55.83", "0", "0", "11.89", None, False, False),
    ("V13", "2024-07-24", "14", "secondary", "17107.16", "0", "0", "0", "M00500", True, False),
]


def _year() -> PersonYear:
    person = parse_person({"psn_no": "CE-0001", "psn_type": "1101", "birth_date": "1973-11-24",
                           "chronic_diseases": [{"dise_codg": "M03901", "kind": "chronic"},
                                                {"dise_codg": "M00500", "kind": "special"}]}, "rmut4")
    visits = []
    for i, (sid, date, med, fac, total, own, over, pre, dise, acct, remote) in enumerate(VISITS):
        data = {"id": sid, "date": date, "med_type": med, "facility": fac, "medfee_sumamt": total,
                "fulamt_ownpay_amt": own, "overlmt_selfpay": over, "preselfpay_amt": pre,
                "acct_used_flag": acct, "remote": remote}
        if dise:
            data["dise_codg"] = dise
        visits.append(parse_settlement(data, "rmut4", i, person))
    return PersonYear(Setting("jilin", "jilin-example"), person, tuple(visits))


def _violation() -> PropertyViolation:
    prop = PROPERTIES["differential"]
    ctx = Context(PharmacyAsPrimary(), "jilin", prop)
    with pytest.raises(PropertyViolation) as caught:
        diff.differential(ctx, _year())
    return caught.value


def test_the_counterexample_is_what_the_text_makes_it():
    """The figures worked by hand, so the story below is the defect's and not some other difference.
    V1 (二级, 在职): (2262.93 − 200.00 起付线) × 55% = 1134.6115 → 1134.61 (吉林 二（二）: 二级 55%).
    V2 (门诊慢性病 M03901): 起付线 shared with ordinary pooling (二（三） 合并计算), all 200.00 used on V1.
    V3 (定点零售药店): 政策范围内 297.90 − 先行自付 248.44 = 49.46; 起付线 0; the region's pharmacy ratio
    50% (jilin-example ordinary.ratio.pharmacy, under 吉林 一): 49.46 × 50% = 24.73, within the cap room
    1500.00 − 1134.61 = 365.39. At 二（二）'s 一级 ratio 60%: 49.46 × 60% = 29.676 → 29.68.
    V4 then has 365.39 − 24.73 = 340.66 of the cap left, but 365.39 − 29.68 = 335.71 under the twin."""
    e = _violation()
    got = {(m.item, m.field): (m.expected, m.actual) for m in e.mismatches}
    assert got[("V3", "pool_prop_selfpay")] == ("0.5000", "0.6000")
    assert got[("V3", "hifp_pay")] == ("24.73", "29.68")
    assert got[("V4", "hifp_pay")] == ("340.66", "335.71")
    assert not any(m.item in ("V1", "V2") for m in e.mismatches)  # agree before the pharmacy
    # a chronic purchase at a pharmacy overflowing to ordinary pooling differs too: chronic route
    assert ("V11", "pool_prop_selfpay") in got


def test_the_first_differing_visit_is_the_departure():
    e = _violation()
    assert e.departure == "V3"
    # the check's own blame is V3's route (ordinary pooling, 二（二）), not the union with V11's chronic route
    assert e.articles == ("2.2",)


def test_the_blame_rests_on_the_pharmacy_purchase_not_on_the_chronic_articles():
    """What the run reports (runner._reported, as conform run calls it): V3 is the first settlement that
    differs, and its first differing figure is the ratio (pool_prop_selfpay, computed before the payment);
    the reference's 支付比例 step of V3 cites 吉林 一 (the pharmacies a region brings in, whose ratio the
    region sets) and the route is ordinary pooling, 吉林 二（二）(the 60% the system used is its 一级 ratio).
    Either is the rule the system broke; 二（三） (门诊慢性病) and 六（三） (慢特病优先、住院期间) decided
    nothing on V3 — they are V11's route, a later visit showing the same defect."""
    e = _violation()
    prop = PROPERTIES["differential"]
    ch = CheckResult(nodeid="test_differential[jilin]", kind="property", name="差分", policy="jilin",
                     articles=[f"jilin-{a}" for a in prop.clauses["jilin"]], status="failed")
    _reported(e, prop, "jilin", Budget(2.0), ch)
    assert ch.failed_articles and set(ch.failed_articles) <= {"jilin-1", "jilin-2.2"}, ch.failed_articles
    assert not {"jilin-2.3", "jilin-6.3"} & set(ch.failed_articles)
    # the article the step of the failing figure cites, as the scenarios blame it (jilin-1), not the route it missed
    assert ch.failed_articles == ["jilin-1"]
    # every difference is still reported: blame reads the departure, the message lists the symptoms too
    assert "V4 统筹基金支付" in ch.message and any(m.item == "V11" for m in e.mismatches)
    assert [t["step"] for t in e.trace][2] == "支付比例" and e.trace[2]["clause"] == "吉林 一"


def test_a_later_chronic_visit_alone_blames_the_chronic_articles():
    """The departure is the earliest differing settlement in the order settled, whatever its route: where
    only V11 (a chronic purchase) differed, its route is blamed (the chronic articles and the overflow)."""
    story = Story.of_year(_year())
    bad = [Mismatch("pool_prop_selfpay", "0.5000", "0.6000", "V11", "支付比例"),
           Mismatch("ordinary_pay", "1500.00", "1499.00", "2024年度累计", "普通门诊统筹支付")]
    first = diff.departure(story, bad)
    assert first == "V11"
    assert diff._blame(story, bad, first)["jilin"] == ("2.3", "6.3")
    # V3 before V11: V3's route only
    bad.insert(0, Mismatch("hifp_pay", "24.73", "29.68", "V3", "统筹基金支付"))
    first = diff.departure(story, bad)
    assert first == "V3" and diff._blame(story, bad, first)["jilin"] == ("2.2",)
    # the year's totals alone: no departure, the totals' fields blame (ordinary_pay → 二（二）)
    totals = [Mismatch("ordinary_pay", "1500.00", "1499.00", "2024年度累计", "普通门诊统筹支付")]
    assert diff.departure(story, totals) == ""
    assert diff._blame(story, totals, "")["jilin"] == ("2.2",)


def test_the_departure_is_in_settlement_order_not_mismatch_order():
    story = Story.of_year(_year())
    bad = [Mismatch("hifp_pay", "1.00", "2.00", "V8", "统筹基金支付"),
           Mismatch("psn_part_amt", "1.00", "2.00", "V3", "个人负担")]
    assert diff.departure(story, bad) == "V3"


def test_a_later_visits_earlier_field_does_not_take_the_blame_from_the_departure():
    """traced_blame reads the departure's mismatches only. Before probe s22 E (F3) the root without it was the
    earliest computed field of any visit: a deductible differing on V13 (its 特殊疾病起付线 step, 吉林 二(四)) was read
    before V3's ratio, though V13 is settled after V3 and may differ because of it; now the earliest settlement."""
    from conform.harness.properties.base import traced_blame

    story = Story.of_year(_year())
    bad = [Mismatch("pool_prop_selfpay", "0.5000", "0.6000", "V3", "支付比例"),
           Mismatch("act_pay_dedc", "483.38", "500.00", "V13", "本次起付线")]
    tagged = [f"jilin-{a}" for a in PROPERTIES["differential"].clauses["jilin"]]
    e = PropertyViolation("差分", bad, [story], ("2.2",), departure="V3")
    tags, _, trace = traced_blame(e, "jilin", tagged)
    assert tags == ["jilin-1"]                       # V3's 支付比例 step: 吉林 一
    assert any(t["step"] == "支付比例" for t in trace) and not any("特殊疾病" in t["step"] for t in trace)
    # no departure: every mismatch read, and the root is still V3's (the earliest settlement that differs, probe
    # s22 E, F3), no longer V13's deductible for being an earlier-computed field
    whole = PropertyViolation("差分", bad, [story], ("2.2",))
    assert traced_blame(whole, "jilin", tagged)[0] == ["jilin-1"]
