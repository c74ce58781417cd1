"""A property's refusal on the last day in force blames the validity article alone (review s4, defect 3).

Mutant `day > rules.valid_to` → `day >= rules.valid_to` in the engine: 攀枝花 with `--seed 1062173443`,
year_independent fails on a visit dated 2027-12-31 (攀枝花 第十九条: 自2023年1月1日起实施，有效期5年), and
the check blamed 第七条 (the visit's route). Only 第十九条 is broken. The reason for not blaming the validity
article in a property that does not check it — shrinking moves every refused visit to the first day in
force — does not hold at the end of validity: shrinking moves no visit there.
"""
from __future__ import annotations

from conform.harness.properties.base import PropertyViolation, Story, mismatch, traced_blame

YEAR_INDEPENDENT = ("panzhihua-7", "panzhihua-9", "panzhihua-10", "panzhihua-11")  # its tags (ALL_BENEFITS)


def _refused_on(day: str, expected: str = "0（结算成功）", actual: str = "拒绝：after validity") -> PropertyViolation:
    from conform.harness.generators import Setting
    from conform.reference.case import parse_person, parse_settlement

    person = parse_person({"psn_no": "E1", "psn_type": "1101"}, "0")
    visit = parse_settlement({"id": "V5", "date": day, "med_type": "11", "facility": "tertiary",
                              "medfee_sumamt": "1000.00"}, "0", 0, person)
    story = Story.of(Setting("panzhihua", "panzhihua-example"), person, [visit])
    # the property's own blame for a refused visit: its route (ordinary pooling, 第七条)
    return PropertyViolation("year_independent", [mismatch("infcode", expected, actual, "V5")], [story], ("7",))


def test_a_refusal_of_the_last_day_in_force_blames_the_validity_article_alone():
    tags, named, _ = traced_blame(_refused_on("2027-12-31"), "panzhihua", YEAR_INDEPENDENT)
    assert tags == ["panzhihua-19"], tags


def test_a_payment_the_day_after_validity_ends_blames_the_validity_article_too():
    tags, _, _ = traced_blame(_refused_on("2028-01-01", "拒绝：after validity", "0（结算成功）"), "panzhihua",
                              YEAR_INDEPENDENT)
    assert tags == ["panzhihua-19"], tags


def test_a_refusal_of_the_first_day_in_force_keeps_the_visits_route_where_the_property_does_not_check_validity():
    # where shrinking puts any refused visit: not read as a fault of the dates (unchanged)
    tags, _, _ = traced_blame(_refused_on("2023-01-01"), "panzhihua", YEAR_INDEPENDENT)
    assert tags == ["panzhihua-7"], tags
    tags, _, _ = traced_blame(_refused_on("2023-01-01"), "panzhihua", (*YEAR_INDEPENDENT, "panzhihua-19"))
    assert tags == ["panzhihua-19"], tags
