"""Reversal (2208 结算撤销) and pre-settlement (2206 预结算).

A-REVERSAL: a reversal subtracts exactly what its settlement added to the
year's totals (and gives back what the account paid); later settlements are not
recomputed. A pre-settlement computes the same figures and records nothing.
Figures under 攀枝花 第七条 (在职 200元, 三级50%, 二级60%, 1000元) unless stated.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger, compute_case
from conform.reference.ledger import YearState
from conform.reference.policy import MissingParameter, PolicyError, bind

D = Decimal


def visit(sid, date, amount, facility="tertiary", med_type=None, **kw):
    mt = med_type or ("41" if facility == "pharmacy" else "11")
    return {"id": sid, "date": date, "med_type": mt, "facility": facility, "medfee_sumamt": str(amount), **kw}


def make(policy="panzhihua", person=None, settlements=(), region=None, params=None):
    p = {"psn_no": "P1", "psn_type": "1101", **(person or {})}
    case = parse_case({"policy": policy, "person": p, "settlements": list(settlements)})
    return PersonLedger(bind(policy, region, params), case.person), list(case.items)


def totals(ys: YearState) -> dict:
    """Year totals with a missing per-disease entry read as zero."""
    def nz(d):
        return {k: v for k, v in d.items() if v != 0}

    return {"ordinary_dedc": ys.ordinary_dedc, "ordinary_pay": ys.ordinary_pay, "inpatient_pay": ys.inpatient_pay,
            "special_dedc": ys.special_dedc, "chronic_dedc": nz(ys.chronic_dedc), "chronic_pay": nz(ys.chronic_pay)}


def test_reversing_the_last_settlement_restores_the_totals_exactly():
    ledger, (s1, s2) = make(settlements=[visit("S1", "2023-03-01", "120"), visit("S2", "2023-03-02", "300")])
    ledger.settle(s1)  # 120 to the deductible
    before = totals(ledger.ytd(2023))
    r2 = ledger.settle(s2)  # 80 left; (300 − 80) × 50% = 110.00
    assert (r2.act_pay_dedc, r2.hifp_pay) == (D("80.00"), D("110.00"))
    ledger.reverse("S2")
    assert totals(ledger.ytd(2023)) == before == totals(YearState(2023, D("120.00")))


def test_reversal_output_negates_the_settlement():
    ledger, (s1,) = make(settlements=[visit("S1", "2023-03-01", "430")])
    ledger.settle(s1)  # (430 − 200) × 50% = 115.00; person pays 315.00
    r = ledger.reverse("S1", "R1")
    out = r.to_output(with_trace=True)
    assert out["reverses"] == "S1" and out["id"] == "R1"
    assert (out["hifp_pay"], out["act_pay_dedc"], out["psn_part_amt"], out["medfee_sumamt"]) == (
        "-115.00", "-200.00", "-315.00", "-430.00")
    assert out["trace"][0]["clause"] == "A-REVERSAL"


def test_reversing_an_earlier_settlement_does_not_recompute_later_ones():
    """A-REVERSAL: S1 added (200, 115); S2 added (0, 150); reversing S1 leaves (0, 150)."""
    ledger, (s1, s2) = make(settlements=[visit("S1", "2023-03-01", "430"), visit("S2", "2023-03-02", "300")])
    assert ledger.settle(s1).hifp_pay == D("115.00")  # (430 − 200) × 50%
    assert ledger.settle(s2).hifp_pay == D("150.00")  # 300 × 50%, deductible met
    ledger.reverse("S1")
    ys = ledger.ytd(2023)
    assert (ys.ordinary_dedc, ys.ordinary_pay) == (D("0.00"), D("150.00"))  # 200 − 200, 265 − 115


def test_settle_again_after_reversal_gives_the_same_figures():
    ledger, (s1, again) = make(settlements=[visit("S1", "2023-03-01", "430"), visit("S1b", "2023-03-01", "430")])
    first = ledger.settle(s1)
    ledger.reverse("S1")
    second = ledger.settle(again)
    assert (second.act_pay_dedc, second.hifp_pay) == (first.act_pay_dedc, first.hifp_pay) == (D("200.00"), D("115.00"))


def test_reversal_gives_back_what_the_account_paid():
    ledger, (s1,) = make(person={"acct_balance": "500.00"}, settlements=[visit("S1", "2023-03-01", "430")])
    r = ledger.settle(s1)
    assert (r.acct_pay, ledger.balance) == (D("315.00"), D("185.00"))  # 430 − 115 = 315 from the account
    ledger.reverse("S1")
    assert ledger.balance == D("500.00")


def test_reversal_restores_chronic_and_ordinary_parts():
    """攀枝花 第十一条 overflow (see test_engine_benefits): chronic 100.00 + ordinary 105.00, all undone."""
    person = {"chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}],
              "ytd": {"year": 2023, "chronic_dedc": {"M00500": "300"}, "chronic_pay": {"M00500": "3900"}}}
    ledger, (s1,) = make(person=person, region="panzhihua-example",
                         settlements=[visit("S1", "2023-06-01", "500", "secondary", "14", dise_codg="M00500")])
    before = totals(ledger.ytd(2023))
    r = ledger.settle(s1)
    assert (r.chronic_pay, r.ordinary_pay) == (D("100.00"), D("105.00"))
    ledger.reverse("S1")
    assert totals(ledger.ytd(2023)) == before


@pytest.mark.parametrize(
    "settlement, pay",
    [
        # 吉林 二（三）chronic with the shared deductible: (500 − 200) × 70% = 210.00
        (visit("S1", "2023-03-01", "500", "secondary", "14", dise_codg="M03900"), "210.00"),
        # 吉林 二（四）special disease: (2000 − 500) × 85% = 1275.00
        (visit("S1", "2023-03-01", "2000", "secondary", "14", dise_codg="M00600"), "1275.00"),
        # 吉林 二（五）emergency: (1000 − 800) × 80% = 160.00
        (visit("S1", "2023-03-01", "1000", "tertiary", "13"), "160.00"),
    ],
)
def test_reversal_restores_jilin_totals(settlement, pay):
    person = {"chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"},
                                   {"dise_codg": "M00600", "kind": "special"}]}
    ledger, (s1,) = make("jilin", person, [settlement], region="jilin-example")
    assert ledger.settle(s1).hifp_pay == D(pay)
    ledger.reverse("S1")
    assert totals(ledger.ytd(2023)) == totals(YearState(2023))


def test_reversal_in_the_next_year_restores_the_settlements_year():
    """A-YEAR-BY-SETTLEMENT-DATE: the reversal belongs to the year its settlement counted in."""
    ledger, (s1, s2) = make(settlements=[visit("S1", "2023-12-31", "430"), visit("S2", "2024-01-02", "430")])
    ledger.settle(s1)
    ledger.settle(s2)
    ledger.reverse("S1")
    assert totals(ledger.ytd(2023)) == totals(YearState(2023))
    assert (ledger.ytd(2024).ordinary_dedc, ledger.ytd(2024).ordinary_pay) == (D("200.00"), D("115.00"))


def test_a_settlement_cannot_be_reversed_twice_or_without_existing():
    ledger, (s1,) = make(settlements=[visit("S1", "2023-03-01", "430")])
    ledger.settle(s1)
    ledger.reverse("S1")
    with pytest.raises(PolicyError, match="already reversed"):
        ledger.reverse("S1")
    with pytest.raises(PolicyError, match="no settlement S9"):
        ledger.reverse("S9")


def test_reversal_in_a_case():
    case = parse_case({"policy": "panzhihua", "person": {"psn_no": "P1", "psn_type": "1101"},
                       "settlements": [visit("S1", "2023-03-01", "430"), visit("S2", "2023-03-02", "300"),
                                       {"id": "R1", "date": "2023-03-03", "reverses": "S2"}]})
    out = compute_case(case, with_trace=False)
    assert [s["hifp_pay"] for s in out["settlements"]] == ["115.00", "150.00", "-150.00"]
    # back to S1's totals: deductible 200, paid 115
    assert (out["ytd"]["2023"]["ordinary_dedc"], out["ytd"]["2023"]["ordinary_pay"]) == ("200.00", "115.00")


# --------------------------------------------------------------------------- 2206 pre-settlement


def test_presettle_computes_without_recording():
    ledger, (s1,) = make(person={"acct_balance": "500.00"}, settlements=[visit("S1", "2023-03-01", "430")])
    pre = ledger.presettle(s1)
    assert (pre.hifp_pay, pre.acct_pay) == (D("115.00"), D("315.00"))
    assert totals(ledger.ytd(2023)) == totals(YearState(2023))
    assert ledger.balance == D("500.00")
    assert ledger.settled == {} and ledger.last_date is None
    # the real settlement finds the same figures, and a second pre-settlement sees the new state
    real = ledger.settle(s1)
    assert (real.act_pay_dedc, real.hifp_pay) == (pre.act_pay_dedc, pre.hifp_pay)
    _, (s2,) = make(settlements=[visit("S2", "2023-03-02", "430")])
    assert ledger.presettle(s2).hifp_pay == D("215.00")  # 430 × 50%, deductible met
    assert ledger.ytd(2023).ordinary_pay == D("115.00")


def test_presettle_repeated_is_stable():
    ledger, (s1,) = make(settlements=[visit("S1", "2023-03-01", "430")])
    assert [ledger.presettle(s1).hifp_pay for _ in range(3)] == [D("115.00")] * 3


def test_a_refused_settlement_leaves_the_state_untouched():
    """攀枝花 第七条 unfiled remote visit without its parameter: refused, nothing recorded."""
    ledger, (s1, s2) = make(settlements=[visit("S1", "2023-03-01", "430"),
                                         visit("S2", "2023-03-02", "430", remote=True)])
    ledger.settle(s1)
    before = totals(ledger.ytd(2023))
    with pytest.raises(MissingParameter):
        ledger.settle(s2)
    assert totals(ledger.ytd(2023)) == before
    assert "S2" not in ledger.settled
