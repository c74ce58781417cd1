"""The steps of the reference's working that decide which standard pays a visit and show no figure (a visit
outside the city paid by the local standard, A-REMOTE-SAME; a chronic prescription at a 吉林 pharmacy the region
took in, A-JL-PHARMACY-CHRONIC) are marked `decides`, and a check failing on a figure after them rests on their
readings, though no figure's own step cites them: a system with a lawful other reading was told it breaches the
article (probe s24 R F1, F2). A refusal of such a visit is still the settlement's articles, with no reading."""
from __future__ import annotations

from decimal import Decimal

from conform.harness.report.causes import blame
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind


def _trace(policy: str, region: str, settlement: dict, person: dict | None = None) -> tuple[Decimal, list[dict]]:
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": "1101", **(person or {})},
                       "settlements": [settlement]})
    r = PersonLedger(bind(policy, region), case.person).settle(case.items[0])
    return r.hifp_pay, r.trace.render()


def _remote_beijing() -> tuple[Decimal, list[dict]]:
    # 北京 beijing-example, in service, 三级, outside the city, 3000.00: the example's deductible 1800 and ratio 70%
    # (the feature （五）_异地就医门诊费用 row 1): (3000 − 1800) × 70% = 840.00 — the local standard (A-REMOTE-SAME)
    return _trace("beijing", "beijing-example", {"id": "V1", "date": "2023-05-01", "med_type": "11",
                                                 "facility": "tertiary", "remote": True, "medfee_sumamt": "3000.00"})


def test_the_remote_step_decides_and_the_ratio_step_does_not_cite_its_reading():
    paid, trace = _remote_beijing()
    assert paid == Decimal("840.00")
    deciding = [t for t in trace if t.get("decides")]
    assert [t["step"] for t in deciding] == ["异地就医"] and "A-REMOTE-SAME" in deciding[0]["clause"]
    ratio = next(t for t in trace if t["step"] == "支付比例")
    assert "A-REMOTE-SAME" not in ratio["clause"] and "decides" not in ratio


def test_a_wrong_payment_on_a_remote_visit_rests_on_the_reading_that_decided_its_standard():
    _, trace = _remote_beijing()
    m = {"field": "hifp_pay", "expected": "840.00", "actual": "720.00", "item": "V1"}
    tags, named = blame([m], {"V1": trace}, "beijing")
    assert tags == ["beijing-5"] and "A-REMOTE-SAME" in named


def test_the_same_visit_made_locally_rests_on_no_remote_reading():
    _, trace = _trace("beijing", "beijing-example", {"id": "V1", "date": "2023-05-01", "med_type": "11",
                                                     "facility": "tertiary", "medfee_sumamt": "3000.00"})
    assert not any(t.get("decides") for t in trace)
    tags, named = blame([{"field": "hifp_pay", "expected": "840.00", "actual": "720.00", "item": "V1"}],
                        {"V1": trace}, "beijing")
    assert tags == ["beijing-5"] and "A-REMOTE-SAME" not in named


def test_a_refusal_of_a_remote_visit_names_no_reading():
    _, trace = _remote_beijing()
    m = {"field": "infcode", "expected": "0（结算成功）", "actual": "拒绝：不予结算", "item": "V1"}
    assert "A-REMOTE-SAME" not in blame([m], {"V1": trace}, "beijing")[1]


def test_a_jilin_chronic_prescription_at_a_pharmacy_rests_on_the_reading_that_sends_it_there():
    # 吉林 jilin-example takes pharmacies in; a registered 门诊慢性病 prescription filled there is paid as 门诊慢性病
    # (吉林 一, A-JL-PHARMACY-CHRONIC): a deductible charged otherwise is blamed on the chronic articles and rests on it
    case_person = {"chronic_diseases": [{"dise_codg": "M00100", "kind": "chronic"}]}
    _, trace = _trace("jilin", "jilin-example", {"id": "V1", "date": "2023-05-01", "med_type": "14",
                                                 "dise_codg": "M00100", "facility": "pharmacy",
                                                 "medfee_sumamt": "500.00"}, case_person)
    assert any(t.get("decides") and t["step"] == "药店配药" for t in trace)
    dedc = next(t for t in trace if "起付线" in t["step"] and "value" in t)
    m = {"field": "act_pay_dedc", "expected": dedc["value"], "actual": "0.00", "item": "V1"}
    tags, named = blame([m], {"V1": trace}, "jilin")
    assert tags and "jilin-1" not in tags and "A-JL-PHARMACY-CHRONIC" in named


def test_a_fen_off_on_a_remote_visit_is_a_roundings_not_the_remote_readings():
    # 840.00 expected, 840.01 answered: no other standard moves a payment by one fen (probe s24 X X1)
    _, trace = _remote_beijing()
    m = {"field": "hifp_pay", "expected": "840.00", "actual": "840.01", "item": "V1"}
    assert "A-REMOTE-SAME" not in blame([m], {"V1": trace}, "beijing")[1]
