"""A figure resting on a year total that an earlier reversal (2208) changed rests on A-REVERSAL (rclose9 D3, rmut4 D3).

No text speaks of reversals: that one gives back what its settlement counted is the reading A-REVERSAL
(conform/reference/policies/common.yaml). A system keeping a reversed settlement's deductible charges none on the
next visit; it disagrees with that reading, not with "起付线600元" — so the next visit's deductible (and a cap's
remainder after a reversal gave back a payment) must be said to rest on it: the reference engine's deductible and
cap steps cite it where a reversal changed the total they read, and a property's year total after a reversal names
it too. Figures worked by hand from the texts: 南昌 四（二）1 在职 三级 "起付线600元"、50%、限额 1800 (4200 − 600) × 50%
= 1800 fills it, feature :291); 攀枝花 第七条 在职 "起付线为200元 … 二级及以下60% … 最高支付限额为1000元"; 吉林 二（二）、
二（三） with jilin-example (起付线 200 与普通门诊合并计算, 慢性病限额 3000) and chronic.ratio 0.60 (feature :182).
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation, mismatch, reversal_readings
from conform.harness.run import CONFORMANCE, execute
from conform.reference.case import parse_case
from conform.reference.engine import compute_case

NC = "南昌 四（二）1"
PZH = "攀枝花 第七条"


def _steps(policy: str, person: dict, items: list[dict], **case) -> dict[str, dict[str, dict]]:
    """The reference engine's trace of each settlement, by its id and step."""
    out = compute_case(parse_case({"policy": policy, "person": person, "settlements": items, **case}))
    return {s["id"]: {t["step"]: t for t in s["trace"]} for s in out["settlements"]}


def _visit(sid: str, date: str, amount: str, facility: str = "tertiary", **more) -> dict:
    return {"id": sid, "date": date, "facility": facility, "med_type": "11", "medfee_sumamt": amount, **more}


# ------------------------------------------------------------------------------------------------- the engine


def test_the_visit_after_a_reversal_cites_it_at_its_deductible_and_cap():
    # 南昌 在职 三级: V1 1000.00 counts 600.00 to the deductible and is paid (1000 − 600) × 50% = 200.00; reversed,
    # the year's deductible and payment are back to 0.00. V2 1000.00: 600.00 again (what is left after the
    # reversal gave V1's back: A-REVERSAL), 200.00 by the ratio (no total read); 1800.00 of the cap left, and
    # 1600.00 had V1's 200.00 stayed counted: 200.00 either way, so the cap step rests on the article alone
    # (rclose11 D1)
    steps = _steps("nanchang", {"psn_no": "N1", "psn_type": "1101"},
                   [_visit("V1", "2023-03-01", "1000.00"), {"id": "R1", "date": "2023-03-01", "reverses": "V1"},
                    _visit("V2", "2023-03-10", "1000.00")])
    v1, v2 = steps["V1"], steps["V2"]
    assert (v1["起付线"]["clause"], v1["年度最高支付限额"]["clause"]) == (NC, NC)  # nothing reversed before it
    assert (v2["起付线"]["value"], v2["起付线"]["clause"]) == ("600.00", f"{NC}；A-REVERSAL")
    assert (v2["支付比例"]["value"], v2["支付比例"]["clause"]) == ("200.00", NC)
    assert (v2["年度最高支付限额"]["value"], v2["年度最高支付限额"]["clause"]) == ("200.00", NC)


def test_a_payment_that_needed_the_cap_a_reversal_gave_back_cites_it():
    # 南昌 在职 三级, 限额 1800: V1 4200.00: 600.00 to the deductible, (4200 − 600) × 50% = 1800.00 fills the cap;
    # reversed. V2 the same: 1800.00 of the cap left — none had V1's 1800.00 stayed counted: A-REVERSAL at the cap
    steps = _steps("nanchang", {"psn_no": "N3", "psn_type": "1101"},
                   [_visit("V1", "2023-03-01", "4200.00"), {"id": "R1", "date": "2023-03-01", "reverses": "V1"},
                    _visit("V2", "2023-03-10", "4200.00")])
    assert (steps["V2"]["年度最高支付限额"]["value"], steps["V2"]["年度最高支付限额"]["clause"]) == ("1800.00", f"{NC}；A-REVERSAL")


def test_only_a_total_the_reversal_changed_is_cited():
    # 南昌 在职 三级: V1 600.00 fills the deductible (600.00, paid 0.00); V2 4000.00 counts none and is paid
    # min(4000 × 50% = 2000.00, 1800.00) = 1800.00; V2 reversed gives back 1800.00 of payment and no deductible.
    # V3 1000.00: the deductible is met still (V1's 600.00: no reversal changed it, the article alone), paid 500.00
    # of the 1800.00 the reversal left free — none left had V2 stayed counted (A-REVERSAL at the cap)
    steps = _steps("nanchang", {"psn_no": "N2", "psn_type": "1101"},
                   [_visit("V1", "2023-03-01", "600.00"), _visit("V2", "2023-03-05", "4000.00"),
                    {"id": "R2", "date": "2023-03-05", "reverses": "V2"}, _visit("V3", "2023-04-01", "1000.00")])
    v3 = steps["V3"]
    assert (v3["起付线"]["value"], v3["起付线"]["clause"]) == ("0.00", NC)
    assert (v3["年度最高支付限额"]["value"], v3["年度最高支付限额"]["clause"]) == ("500.00", f"{NC}；A-REVERSAL")


def test_a_reversal_of_last_years_settlement_changes_last_years_totals_only():
    # 南昌 在职 三级: V1 2023-12-20 1000.00 (600.00, 200.00); V2 2024-01-05 1000.00 (a new natural year: 600.00,
    # 200.00); V1 reversed in 2024 gives back to 2023 (A-REVERSAL; A-YEAR-BY-SETTLEMENT-DATE). V3 2024-02-01
    # 1000.00 reads 2024's totals, which no reversal changed: deductible met (0.00), 1000 × 50% = 500.00 of the
    # 1800.00 − 200.00 = 1600.00 left — the cap the article alone (600.00 more left would not change 500.00); the
    # deductible met rests on the reversal going back to 2023, not to the year it was made in (A-REVERSAL: taken from
    # 2024, 600.00 of it would be left; probe s26/probe2 F5)
    steps = _steps("nanchang", {"psn_no": "N3", "psn_type": "1101"},
                   [_visit("V1", "2023-12-20", "1000.00"), _visit("V2", "2024-01-05", "1000.00"),
                    {"id": "R1", "date": "2024-01-06", "reverses": "V1"}, _visit("V3", "2024-02-01", "1000.00")])
    v3 = steps["V3"]
    assert (v3["起付线"]["value"], v3["起付线"]["clause"]) == ("0.00", f"{NC}；A-REVERSAL")
    assert (v3["年度最高支付限额"]["value"], v3["年度最高支付限额"]["clause"]) == ("500.00", NC)


def test_a_chronic_visit_after_a_reversal_cites_it_at_its_shared_deductible_and_its_cap():
    # 吉林 feature :182: V1 二级 4200.00 M00100: 起付线 200 (merged with the ordinary one, 二（三）; 二（二）),
    # (4200 − 200) × 60% = 2400.00 of the 3000.00 chronic cap; reversed. V2 the same: 200.00 again and 2400.00 of
    # the 3000.00 left — both what the reversal gave back: A-REVERSAL at both steps
    steps = _steps("jilin", {"psn_no": "J1", "psn_type": "1101",
                             "chronic_diseases": [{"dise_codg": "M00100", "kind": "chronic"}]},
                   [_visit("V1", "2023-03-01", "4200.00", "secondary", med_type="14", dise_codg="M00100"),
                    {"id": "R1", "date": "2023-03-01", "reverses": "V1"},
                    _visit("V2", "2023-06-01", "4200.00", "secondary", med_type="14", dise_codg="M00100")],
                   region="jilin-example", params={"chronic.ratio": "0.60"})
    v1, v2 = steps["V1"], steps["V2"]
    assert "A-REVERSAL" not in v1["慢特病起付线"]["clause"] + v1["慢特病支付"]["clause"]
    assert v2["慢特病起付线"]["value"] == "200.00"
    assert v2["慢特病起付线"]["clause"] == "吉林 二(三)；吉林 二（二）；A-REVERSAL"
    assert v2["慢特病支付"]["value"] == "2400.00"
    assert v2["慢特病支付"]["clause"].split("；")[-1] == "A-REVERSAL", v2["慢特病支付"]["clause"]


def test_a_chronic_payment_the_cap_never_reached_rests_on_its_article_alone():
    # rclose11 D1, 吉林 二（三） with jilin-example (慢性病限额 3000) and chronic.ratio 0.60: V1 二级 1200.00 M00100:
    # 起付线 200, (1200 − 200) × 60% = 600.00; reversed. V2 the same: 200.00 again (A-REVERSAL: kept, it would be
    # 0.00), (1200 − 200) × 60% = 600.00 with 3000.00 of the cap left — 2400.00 had V1 stayed counted: the cap
    # decides nothing, the payment rests on the article alone
    steps = _steps("jilin", {"psn_no": "J2", "psn_type": "1101",
                             "chronic_diseases": [{"dise_codg": "M00100", "kind": "chronic"}]},
                   [_visit("V1", "2023-03-01", "1200.00", "secondary", med_type="14", dise_codg="M00100"),
                    {"id": "R1", "date": "2023-03-01", "reverses": "V1"},
                    _visit("V2", "2023-06-01", "1200.00", "secondary", med_type="14", dise_codg="M00100")],
                   region="jilin-example", params={"chronic.ratio": "0.60"})
    v2 = steps["V2"]
    assert v2["慢特病起付线"]["clause"].endswith("；A-REVERSAL")
    assert v2["慢特病支付"]["value"] == "600.00"
    assert "A-REVERSAL" not in v2["慢特病支付"]["clause"], v2["慢特病支付"]["clause"]


# ------------------------------------------------------------------------------------------------- the twin


class KeepsReversedDeductible(ReferenceAdapter):
    """rmut4's reversal_keeps_deductible: a reversal gives back the payment but the year keeps the reversed
    settlement's deductible (its own ledger only; the harness's oracle is another instance)."""

    def reverse(self, psn_no, setl_id):
        ledger = self._ledger(psn_no)
        entry = ledger.settled.get(setl_id)
        year = entry[1].year if entry is not None else None
        kept = ledger.years[year].ordinary_dedc if year in ledger.years else None
        out = super().reverse(psn_no, setl_id)
        if kept is not None:
            ledger.years[year].ordinary_dedc = kept  # the defect: the deductible stays counted
        return out


TWIN = f"python:{__name__.rpartition('.')[2]}:KeepsReversedDeductible"

# the scenarios whose later visit's deductible the kept reversal swallowed, and the articles that charge it
LATER_VISITS = {
    "撤销已用满限额的结算后限额恢复": ["nanchang-4.2.1"],                       # 南昌 :291, V3 600.00 answered 0.00
    "撤销用满限额的结算后限额恢复": ["panzhihua-7"],                            # 攀枝花 :287, V2 200.00 answered 0.00
    "撤销慢性病结算退回其慢性病限额，之后的就诊重新按慢性病支付（A-REVERSAL）": ["jilin-2.3", "jilin-2.2"],  # 吉林 :182
}


def test_the_later_visits_a_kept_reversal_swallowed_rest_on_the_reversal():
    run, _ = execute(adapter=TWIN, articles=("nanchang-4.2.1", "panzhihua-7", "jilin-2.3"), tag="not conform_property")
    checks = {c.name: c for c in run.checks}
    for name, articles in LATER_VISITS.items():
        c = checks[name]
        assert c.status == "failed", (name, c.status, c.message)
        [root] = [m for m in c.mismatches if m.field == "act_pay_dedc"]
        assert root.actual == "0.00" and root.item != "V1", (name, root)
        assert c.extra.get("rests_on") == ["A-REVERSAL"], (name, c.failed_articles, c.extra)
        assert sorted(c.failed_articles) == sorted(articles), (name, c.failed_articles)


# ------------------------------------------------------------------------------------------------- properties


def _ctx(pid: str) -> Context:
    return Context(ReferenceAdapter(), "nanchang", PROPERTIES[pid])


def _load() -> None:
    from conform.harness.properties import load

    load()


def test_a_year_total_rests_on_the_reversal_only_where_it_took_a_part_of_that_total_out():
    dedc = mismatch("ordinary_dedc", "2023年仍有效各笔的本次起付线之和 0.00", "600.00", "2023年度累计")
    pay = mismatch("ordinary_pay", "2023年仍有效各笔的统筹基金支付之和 0.00", "200.00", "2023年度累计")
    assert reversal_readings([dedc], {"ordinary_dedc": Decimal("600.00")}) == ("A-REVERSAL",)
    # the reversal gave back a payment only: the deductible's total is the articles'
    assert reversal_readings([dedc], {"ordinary_dedc": Decimal("0.00"), "ordinary_pay": Decimal("500.00")}) == ()
    assert reversal_readings([dedc], {}) == ()  # a year no reversal touched (the new year of a cross-year one)
    # both differ: the blame reads the deductible's total, counted before the payment's (causes.TOTALS_ORDER: the
    # report groups by the first field that differs; probe s21 X finding 1 — this read the payment first, by FIELD_ORDER,
    # which lists the settlement's ordinary_pay before the totals), so the deductible's part decides
    assert reversal_readings([dedc, pay], {"ordinary_dedc": Decimal("600.00")}) == ("A-REVERSAL",)
    assert reversal_readings([dedc, pay], {"ordinary_pay": Decimal("200.00")}) == ()


def test_a_property_names_only_readings_it_declares():
    _load()
    # and the year reading the new year's fresh start rests on where a document names no period (北京, 浙江: s23 probeG F8)
    assert PROPERTIES["cross_year_reversal"].assumptions == ("A-REVERSAL", "A-YEAR-BY-SETTLEMENT-DATE")
    assert PROPERTIES["stateful_ledger"].assumptions == ("A-REVERSAL", "A-YEAR-BY-SETTLEMENT-DATE")
    bad = [mismatch("ordinary_dedc", "0.00", "600.00", "2023年度累计")]
    with pytest.raises(PropertyViolation) as e:
        _ctx("cross_year_reversal").fail("年度累计", bad, readings=("A-REVERSAL",))
    assert e.value.readings == ["A-REVERSAL"]
    with pytest.raises(ValueError, match="A-ROUND-FEN"):
        _ctx("cross_year_reversal").fail("年度累计", bad, readings=("A-ROUND-FEN",))


PROPERTY_TESTS = CONFORMANCE / "test_properties.py"


def test_the_properties_year_totals_after_a_kept_reversal_rest_on_the_reversal():
    # cross_year_reversal: V1 in December counts a deductible and is reversed after the new year began; the twin
    # keeps it in V1's year, whose total is expected without it (A-REVERSAL). The stateful machine finds a
    # reversal that kept a deductible alike.
    _load()
    run, _ = execute(adapter=TWIN, policies=("nanchang",), tag="conform_property", paths=(PROPERTY_TESTS,),
                     extra_args=("--conform-seed", "20230101", "-k", "cross_year_reversal or stateful_ledger"))
    checks = {c.extra.get("property"): c for c in run.checks}
    for pid in ("cross_year_reversal", "stateful_ledger"):
        c = checks[pid]
        assert c.status == "failed", (pid, c.status, c.message[:300])
        assert c.extra.get("rests_on") == ["A-REVERSAL"], (pid, c.failed_articles, c.extra, c.message[:300])
        assert "nanchang-4.2.1" in c.failed_articles, (pid, c.failed_articles)


def test_the_audits_ratio_clause_never_names_the_reversal():
    # rclose11 D1, the audit's reference route: 吉林 (jilin-example, chronic.ratio 0.60, 慢性病限额 3000) V1 二级
    # 4200.00 M00100: 起付线 200, (4200 − 200) × 60% = 2400.00; reversed. V2 the same: 2400.00 of the 3000.00 left —
    # 600.00 had V1 stayed counted: the deductible and the payment rest on A-REVERSAL, the ratio 60% never does
    from conform.audit import settle_ref
    from conform.reference.engine import PersonLedger, rules_for

    person = {"psn_no": "J3", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "M00100", "kind": "chronic"}]}
    case = parse_case({"policy": "jilin", "region": "jilin-example", "params": {"chronic.ratio": "0.60"}, "person": person,
                       "settlements": [_visit("V1", "2023-03-01", "4200.00", "secondary", med_type="14", dise_codg="M00100"),
                                       {"id": "R1", "date": "2023-03-01", "reverses": "V1"},
                                       _visit("V2", "2023-06-01", "4200.00", "secondary", med_type="14",
                                              dise_codg="M00100")]})
    ledger = PersonLedger(rules_for("jilin", "jilin-example", {"chronic.ratio": "0.60"}), case.person)
    out = {}
    for item in case.items:
        out[item.id] = (ledger.reverse(item.reverses, item.id, item.date) if getattr(item, "reverses", None)
                        else ledger.settle(item))
    dedc, fund, ratio = settle_ref._clauses(out["V2"])
    assert dedc.endswith("A-REVERSAL") and "A-REVERSAL" in fund.split("；")
    assert "A-REVERSAL" not in ratio.split("；"), ratio
