"""A property's refusal on 吉林's first day in force blames the visit's benefit, not 吉林 六（三）(probe s28/probeH3 F3b).

吉林's validity article is 六（三）("以自然年度计算的原有门诊保障待遇，执行至 2022 年年底"), which is also one of its chronic
articles (clauses.CHRONIC: 住院期间不享受门诊待遇、慢特病超限额转入). Shrinking moves every refused visit to the first day in
force, 2023-01-01, and traced_blame kept the "edge" blame (the validity article) wherever the property's tags held that
article — every benefit-wide property holds 六（三）as a chronic article, so an ordinary remote visit refused for want of
备案 blamed 六（三）. The validity article is blamed there only where the property holds it as the validity article."""
from __future__ import annotations

from conform.harness.properties.base import PropertyViolation, Story, mismatch, traced_blame
from conform.harness.properties.clauses import ALL_BENEFITS, held_for_validity

JL_TAGS = tuple(f"jilin-{a}" for a in ALL_BENEFITS["jilin"])


def _refused(policy: str, day: str, route: tuple[str, ...], remote: bool = False) -> PropertyViolation:
    from conform.harness.generators import Setting
    from conform.reference.case import parse_person, parse_settlement

    person = parse_person({"psn_no": "E1", "psn_type": "1101"}, "0")
    visit = parse_settlement({"id": "V1", "date": day, "med_type": "11", "facility": "tertiary",
                              "medfee_sumamt": "1000.00", **({"remote": True} if remote else {})}, "0", 0, person)
    story = Story.of(Setting(policy, f"{policy}-example"), person, [visit])
    return PropertyViolation("differential", [mismatch("infcode", "0（结算成功）", "拒绝：未办理异地就医备案", "V1")], [story],
                             route)


def test_jilin_s_validity_article_is_held_by_benefit_properties_as_a_chronic_article_only():
    assert "jilin-6.3" in JL_TAGS and "jilin-6.3" not in held_for_validity("jilin", JL_TAGS)
    assert held_for_validity("panzhihua", ("panzhihua-7", "panzhihua-19")) == ["panzhihua-19"]


def test_a_jilin_refusal_on_the_first_day_in_force_blames_the_visit_s_route_not_the_validity_article():
    for remote in (False, True):
        tags, _, _ = traced_blame(_refused("jilin", "2023-01-01", ("2.2",), remote), "jilin", JL_TAGS)
        assert tags == ["jilin-2.2"], (remote, tags)


def test_the_same_refusal_a_day_later_is_blamed_alike():
    tags, _, _ = traced_blame(_refused("jilin", "2023-01-03", ("2.2",)), "jilin", JL_TAGS)
    assert tags == ["jilin-2.2"], tags


def test_a_property_holding_the_validity_article_as_such_still_blames_it_on_the_first_day():
    # 攀枝花 第十九条 is no benefit article: a property tagged with it checks validity (pinned, test_s4_causes_validity_edge)
    tags, _, _ = traced_blame(_refused("panzhihua", "2023-01-01", ("7",)), "panzhihua",
                              ("panzhihua-7", "panzhihua-19"))
    assert tags == ["panzhihua-19"], tags
