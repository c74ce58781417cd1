"""The property oracles (conform/harness/properties/figures.py) work out the case's facts themselves, not with the engine.

A fault in a helper the oracle shared with the engine moved both alike, so no property could see it (the
discharge day left out of a hospital stay, a settlement on the retirement day settled as in service, a
truncated half deductible all passed every property). Here each such engine helper is broken — or made to
refuse to answer — and the oracle must still give the texts' figures.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.properties import figures as fig
from conform.reference import case, policy
from conform.reference.case import Disease, Period, Person, Settlement
from conform.reference.policy import bind

D = Decimal
DAY = dt.date(2023, 5, 20)


def _refuse(*_a, **_k):
    raise AssertionError("the oracle asked the engine")


@pytest.fixture
def engine_broken(monkeypatch):
    """The engine's helpers as the surviving mutants had them, and its parameter lookups refusing."""
    monkeypatch.setattr(case.Period, "__contains__", lambda self, d: self.begin <= d < self.end)  # end day out
    monkeypatch.setattr(case.Person, "role_on", _refuse)
    monkeypatch.setattr(case.Person, "disease", _refuse)
    monkeypatch.setattr(case.Person, "is_flexible", property(_refuse))
    monkeypatch.setattr(case.Settlement, "inscp_scp_amt", property(lambda s: s.medfee_sumamt))  # 先行自付 kept in
    for name in ("find", "first", "get", "flag", "_derive"):
        monkeypatch.setattr(policy.Rules, name, _refuse)


def _visit(med_type="11", facility="secondary", total="1000.00", **kw) -> Settlement:
    return Settlement("V1", DAY, med_type, facility, D(total), **kw)


def test_a_hospital_stay_includes_its_discharge_day(engine_broken):
    # A-JL-HOSPITAL-STAY: 住院期间含入院日和出院日 — a visit on the discharge day gets no outpatient benefit
    rules = bind("jilin", "jilin-example")
    person = Person("P1", "1101", hospital_stays=(Period(DAY - dt.timedelta(days=3), DAY),))
    assert fig.route(rules, person, _visit()).kind == "none"
    later = Settlement("V2", DAY + dt.timedelta(days=1), "11", "secondary", D("1000.00"))
    assert fig.route(rules, person, later).kind == "ordinary"


def test_a_benefit_period_includes_its_last_day(engine_broken):
    # 攀枝花 第七条 待遇享受期内: the last day of the period is in it, the day after is not
    rules = bind("panzhihua", "panzhihua-example")
    person = Person("P1", "1101", benefit_period=Period(DAY - dt.timedelta(days=30), DAY))
    assert fig.route(rules, person, _visit()).kind == "ordinary"
    after = Settlement("V2", DAY + dt.timedelta(days=1), "11", "secondary", D("1000.00"))
    assert fig.route(rules, person, after).why == "不在待遇享受期内"


def test_a_person_is_retired_from_the_retirement_day_itself(engine_broken):
    # A-MIDYEAR-RETIREMENT: the type in force that day; 吉林 retiree ratio = 二级 55% + the inpatient tilt 5%
    rules = bind("jilin", "jilin-example")
    person = Person("P1", "1101", retire_date=DAY)
    assert fig.role_on(person, DAY) == "retiree"
    assert fig.role_on(person, DAY - dt.timedelta(days=1)) == "in_service"
    r = fig.route(rules, person, _visit())
    assert (r.kind, r.role) == ("ordinary", "retiree")
    assert fig.ordinary_ratio(rules, r.role, "secondary") == D("0.60")
    assert fig.role_on(Person("P2", "1203"), DAY) == "retiree" and fig.is_flexible(Person("P2", "1203"))


def test_the_registered_disease_decides_the_route(engine_broken):
    # 吉林 二（三）/（四）: the same code as a registered special disease goes the inpatient way
    rules = bind("jilin", "jilin-example")
    special = Person("P1", "1101", diseases=(Disease("X00100", "special"),))
    chronic = Person("P2", "1101", diseases=(Disease("X00100", "chronic"),))
    v = _visit("14", dise_codg="X00100")
    assert fig.route(rules, special, v).kind == "inpatient"
    assert fig.route(rules, chronic, v).kind == "chronic"


def test_two_diseases_without_their_own_cap_share_one_bucket(engine_broken):
    # A-JL-CHRONIC-CAP-PER-DISEASE: M00500 has its own 5000; M00100 and M00200 share chronic.cap 3000
    rules = bind("jilin", "jilin-example")
    person = Person("P1", "1101", diseases=tuple(Disease(c, "chronic") for c in ("M00100", "M00200", "M00500")))
    buckets = {c: fig.route(rules, person, _visit("14", dise_codg=c)).bucket for c in ("M00100", "M00200", "M00500")}
    assert buckets == {"M00100": "*", "M00200": "*", "M00500": "M00500"}
    assert fig.chronic_cap(rules, "M00200") == D("3000") and fig.chronic_cap(rules, "M00500") == D("5000")


def test_policy_scope_leaves_out_every_self_paid_part(engine_broken):
    # 政策范围内费用 = 1000 − 全自费 100 − 超限价 50 − 先行自付 30 = 820.00
    s = _visit(fulamt_ownpay_amt=D("100"), overlmt_selfpay=D("50"), preselfpay_amt=D("30"))
    assert fig.policy_scope(s) == D("820.00")


@pytest.mark.parametrize("in_service, retiree", [("555.55", "277.78"), ("600", "300.00"), ("0.01", "0.01")])
def test_zhejiang_retiree_deductible_is_half_the_in_service_one_half_up(engine_broken, in_service, retiree):
    # 浙江 二（一）退休人员起付线减半执行; A-ZJ-HALF-FEN: 555.55 ÷ 2 = 277.775 → 277.78 (0.005 → 0.01)
    values = {k: v for k, v in policy.load_region_file("zhejiang-example").values.items()
              if k != "ordinary.deductible.retiree"}
    rules = bind("zhejiang", None, {**values, "ordinary.deductible.in_service": in_service})
    assert fig.deductible(rules, "retiree") == D(retiree)
    assert fig.deductible(rules, "in_service") == D(in_service)


def test_a_missing_parameter_still_names_its_article():
    # the oracle's own lookups refuse a gap as the engine would, naming what the region must supply
    rules = bind("jilin", None, {"ordinary.deductible": "200"})
    with pytest.raises(policy.MissingParameter, match="inpatient.cap"):
        fig.inpatient_cap(rules)


def test_no_property_module_asks_the_engines_helpers():
    # the differential property compares with the engine on purpose; every other oracle works from the texts
    import re
    from pathlib import Path

    import conform.harness.properties as props

    engine_helper = re.compile(r"(?<!fig)\.(role_on|disease)\(|(?<!fig)\.is_flexible\b|\.inscp_scp_amt\b|\brules\.(find|first|get|flag)\("
                               r"|\bin (person|py\.person|self\.person)\.benefit_period\b|\bin stay\b")
    found = [f"{p.name}:{i}: {line.strip()}" for p in sorted(Path(props.__file__).parent.glob("*.py"))
             if p.name != "differential.py"
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if engine_helper.search(line)]
    assert not found, found
