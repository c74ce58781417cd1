"""吉林: which route a 门诊慢特病 settlement takes, and which article each inpatient-route step cites.

吉林 (吉医保联〔2022〕22号) 二（三）门诊慢性病 (shares the ordinary deductible, 60%/70%, cap ≤ 6500) and
二（四）门诊特殊疾病 (同等级住院起付标准, once a year with top-up, 同级住院比例, inpatient cap) pay the same
med_type 14 differently; 二（一）leaves the disease list to the province (具体病种另行制定). Which one a
settlement is therefore follows the person's registration (chronic_diseases), and an unregistered disease
is refused rather than guessed. 二（五）急诊抢救 and 二（六）日间手术 go along inpatient rules by their own
articles, so their steps cite those first (and 二（四）, under which the region's inpatient figures are
required, once).

Example region jilin-example (fictitious, conform/fixtures/regions/): ordinary deductible 200 / cap 1500;
chronic 70% / cap 3000; inpatient deductible 300/500/800, ratio 90/85/80% (一级/二级/三级), tilt 5 points,
cap 150000; day surgery without deductible.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.audit.settle_ref import settle_person
from conform.reference.case import Disease, Period, Person, Settlement, parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import PolicyError, bind

D = Decimal
REGION = {"jilin": "jilin-example", "panzhihua": "panzhihua-example", "nanchang": "nanchang-example"}


def med14(code: str, amount: str, facility: str = "tertiary", sid: str = "S1", date=dt.date(2023, 3, 1)) -> Settlement:
    """A 门诊慢特病 settlement as `conform audit` builds it from a ledger row (no registration check there)."""
    return Settlement(id=sid, date=date, med_type="14", facility=facility, medfee_sumamt=D(amount), dise_codg=code)


def ledger(policy: str, *diseases: tuple[str, str], **person) -> PersonLedger:
    p = Person(psn_no="P1", psn_type=person.pop("psn_type", "1101"),
               diseases=tuple(Disease(code, kind) for code, kind in diseases), **person)
    return PersonLedger(bind(policy, REGION[policy]), p)


def clauses(result) -> list[str]:
    return [s["clause"] for s in result.trace.render()]


# =========================================================================== 二（三）/（四）: registration decides


def test_jilin_unregistered_disease_is_refused_not_settled_as_chronic():
    """The review's repro: M00600 at a tertiary hospital, 1101, no persons file. Formerly settled silently as
    门诊慢性病 (200 deductible, (1000 − 200) × 70% = 560.00); it could as well be 门诊特殊疾病 (160.00)."""
    lg = ledger("jilin")
    with pytest.raises(PolicyError) as e:
        lg.settle(med14("M00600", "1000"))
    msg = str(e.value)
    assert "settlement S1" in msg and "M00600 is not registered for person P1" in msg
    assert "吉林 二(三)" in msg and "吉林 二(四)" in msg and "chronic_diseases" in msg
    ys = lg.ytd(2023)  # nothing counted: the shared deductible and both caps are as before
    assert (ys.ordinary_dedc, ys.ordinary_pay, ys.special_dedc, ys.inpatient_pay) == (0, 0, 0, 0)
    assert not any(ys.chronic_pay.values())


def test_jilin_disease_registration_of_another_code_does_not_count():
    """M03900 registered as chronic says nothing about M00600."""
    with pytest.raises(PolicyError, match="M00600 is not registered"):
        ledger("jilin", ("M03900", "chronic")).settle(med14("M00600", "1000"))


@pytest.mark.parametrize(
    "kind, dedc, chronic_pay, inpatient_pay, benefit",
    [
        # 二（三）: deductible 200 shared with ordinary pooling; (1000 − 200) × 70% = 560.00
        ("chronic", "200.00", "560.00", "0.00", "chronic"),
        # 二（四）: 三级 inpatient deductible 800; (1000 − 800) × 80% = 160.00 against the inpatient cap
        ("special", "800.00", "0.00", "160.00", "inpatient"),
    ],
)
def test_jilin_registered_kind_decides_the_route(kind, dedc, chronic_pay, inpatient_pay, benefit):
    r = ledger("jilin", ("M00600", kind)).settle(med14("M00600", "1000"))
    assert (r.act_pay_dedc, r.chronic_pay, r.inpatient_pay, r.benefit) == (D(dedc), D(chronic_pay), D(inpatient_pay),
                                                                          benefit)


def test_jilin_unregistered_disease_during_a_hospital_stay_pays_nothing_either_way():
    """六（三）住院期间不再享受普通门诊和门诊慢特病待遇: 0 whether chronic or special, so no guess is needed."""
    stay = Period(dt.date(2023, 2, 25), dt.date(2023, 3, 5))
    r = ledger("jilin", hospital_stays=(stay,)).settle(med14("M00600", "1000"))
    assert (r.hifp_pay, r.benefit) == (D("0.00"), "none")


@pytest.mark.parametrize(
    "policy, code, pay",
    [
        # 攀枝花 第十条 门诊慢特病 only (no separate special route): example M00500 300 / 80%: (1300 − 300) × 80%
        ("panzhihua", "M00500", "800.00"),
        # 南昌 四（二）2 零起付线; example M03900 85%: 1300 × 85% = 1105.00
        ("nanchang", "M03900", "1105.00"),
    ],
)
def test_documents_with_one_chronic_route_keep_settling_by_the_code(policy, code, pay):
    """Where a document has no separate 门诊特殊疾病 route, the code alone fixes the figures: nothing to guess."""
    r = ledger(policy).settle(med14(code, "1300"))
    assert (r.chronic_pay, r.benefit) == (D(pay), "chronic")


def test_the_audit_refuses_a_chronic_visit_of_an_unregistered_person_saying_why():
    """conform audit without a persons file: which of 门诊慢性病 and 门诊特殊疾病 pays is the registration's, so
    the row is refused_unregistered (A-AUDIT-CHRONIC-REGISTERED), its reason in Chinese."""
    row = ("S1", "P1", "1101", dt.date(2023, 3, 1), "14", "tertiary", "M00600", None, False, True, None,
           100000, 0, 0, 0, 0, 0, 0, 0)
    out = settle_person(bind("jilin", "jilin-example"), Person(psn_no="P1", psn_type="1101"), [row])
    (res,) = out
    assert res["status"] == "refused_unregistered"
    assert "人员信息未列出该参保人登记的慢特病" in res["note"] and "M00600" in res["note"]


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
            "起付线（参照住院）": "吉林 二(五)",
            "住院比例和限额": "吉林 二(五)"}),
        # 二（六）可以不设起付线 (example waives it): 5000 × 80% = 4000.00
        (_visit("28", "5000"), None, "4000.00", {
            "待遇路径": "吉林 二(六)",
            "日间手术起付线": "吉林 二(六)",
            "住院比例和限额": "吉林 二(六)"}),
        # 二（六）with a deductible (region's choice): (5000 − 800) × 80% = 3360.00
        (_visit("28", "5000"), {"day_surgery.waive_deductible": "false"}, "3360.00", {
            "待遇路径": "吉林 二(六)",
            "起付线（参照住院）": "吉林 二(六)",
            "住院比例和限额": "吉林 二(六)"}),
        # 二（四）itself: (1000 − 800) × 80% = 160.00, cited once
        ({**_visit("14", "1000"), "dise_codg": "M00600"}, None, "160.00", {
            "待遇路径": "吉林 二(四)",
            "特殊疾病起付线": "吉林 二(四)",
            "住院比例和限额": "吉林 二(四)"}),
    ],
)
def test_inpatient_route_steps_cite_their_own_article_once(settlement, params, pay, expected):
    # a year's first visit along inpatient rules: its deductible is the whole 住院起付标准 by any reading, so the
    # per-visit reading (A-JL-EMERGENCY-DEDUCTIBLE) is not cited (tests/test_s20_policy_readings.py: from the second)
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
