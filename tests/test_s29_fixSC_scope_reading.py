"""A-DEDUCTIBLE-SCOPE reads 乙类先行自付 only (probe s29 R R3, R7, R1, R6), in the reference engine's working and the
ratio-bound property. 北京 beijing-example 在职: 起付线 1800, 二级 70%; the other reading counts 先行自付 (p) toward the
deductible, recording min(L, base + p) and taking max(L − p, 0) of the base (L: the deductible left before the visit).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from conform.harness.properties import figures as fig
from conform.harness.properties.settlement import _scope_reading
from conform.reference.case import Person, Settlement
from conform.reference.engine import PersonLedger, rules_for

SCOPE = "A-DEDUCTIBLE-SCOPE"
MIDYEAR = "A-MIDYEAR-RETIREMENT"
PERSON = Person("B", "1101", birth_date=dt.date(1980, 1, 1))


def _settle(visits: list[Settlement], person: Person = PERSON, policy: str = "beijing") -> dict:
    led = PersonLedger(rules_for(policy, f"{policy}-example"), person)
    return {s.id: led.settle(s) for s in visits}


def _cites(res, step: str) -> list[str]:
    return next(c for label, _t, _a, c, _v in res.trace._steps if label == step).split("；")


def _v(i: int, amount: str, **parts) -> Settlement:
    return Settlement(f"V{i}", dt.date(2023, 2 + i, 1), "11", "secondary", Decimal(amount),
                      **{k: Decimal(v) for k, v in parts.items()})


def test_r3_full_ownpay_and_over_limit_are_not_the_readings():
    # V1 300.00 with 60.00 全自费 and 40.00 超限价: 200.00 to the deductible — any article keeps them out (outside the
    # fund's scope); V2 2000.00 after it: 1600.00 left, nothing of the reading
    got = _settle([_v(1, "300.00", fulamt_ownpay_amt="60.00", overlmt_selfpay="40.00"), _v(2, "2000.00")])
    assert got["V1"].act_pay_dedc == Decimal("200.00")
    assert SCOPE not in _cites(got["V1"], "起付线")
    assert (got["V2"].act_pay_dedc, got["V2"].hifp_pay) == (Decimal("1600.00"), Decimal("280.00"))
    assert SCOPE not in _cites(got["V2"], "起付线") and SCOPE not in _cites(got["V2"], "年度最高支付限额")


def test_r3_the_ratio_bound_excuses_preselfpay_only():
    # V 1000.00 with 300.00 全自费 at 二级, a deductible of 700.00 counted (L 1800): bound (700 − 700) × 70% = 0.00. A
    # system paying 210.00 (= 300 × 70%, the deductible taken from the 全自费 first) breaks the article: no reading.
    # With 300.00 先行自付 instead the same payment is within (700 − max(700 − 300, 0)) × 70% = 210.00: the reading
    rules = rules_for("beijing", "beijing-example")
    r = fig.Route("ordinary", "in_service")
    full = _v(1, "1000.00", fulamt_ownpay_amt="300.00")
    pre = _v(1, "1000.00", preselfpay_amt="300.00")
    args = (Decimal("700.00"), Decimal("0.70"), Decimal("210.00"), Decimal("0.005"))
    assert _scope_reading(rules, r, full, *args) == ()
    assert _scope_reading(rules, r, pre, *args) == (SCOPE,)


def test_r7_payment_cited_only_where_it_reaches_the_deductible_end():
    # V1 300.00, p 100.00: L 1800 ≥ 200 + 100: deductible 200.00 (cited: the twin records 300.00), fund 0.00 either way
    got = _settle([_v(1, "300.00", preselfpay_amt="100.00")])
    assert SCOPE in _cites(got["V1"], "起付线")
    assert SCOPE not in _cites(got["V1"], "年度最高支付限额")
    # V1 2000.00, p 100.00, base 1900: L 1800 < 2000: reading (1900 − 1800) × 70% = 70.00, twin (1900 − 1700) × 70% = 140.00
    got = _settle([_v(1, "2000.00", preselfpay_amt="100.00")])
    assert got["V1"].hifp_pay == Decimal("70.00")
    assert SCOPE in _cites(got["V1"], "年度最高支付限额")


def test_r1_later_visits_and_a_bill_wholly_preselfpay():
    # V1 100.00 all 先行自付: base 0, deductible 0.00 (twin min(1800, 100) = 100.00): cited; fund 0.00 either way
    # V2 2000.00: 1800 left (twin 1700): deductible 1800.00, (2000 − 1800) × 70% = 140.00 (twin 210.00): both cited
    # V3 500.00: the deductible met under both readings: 0.00 counted, not cited; (500 × 70%) = 350.00 either way
    got = _settle([_v(1, "100.00", preselfpay_amt="100.00"), _v(2, "2000.00"), _v(3, "500.00")])
    assert got["V1"].act_pay_dedc == Decimal("0.00")
    assert _cites(got["V1"], "起付线")[-1] == SCOPE
    assert SCOPE not in _cites(got["V1"], "年度最高支付限额")
    assert (got["V2"].act_pay_dedc, got["V2"].hifp_pay) == (Decimal("1800.00"), Decimal("140.00"))
    assert SCOPE in _cites(got["V2"], "起付线") and SCOPE in _cites(got["V2"], "年度最高支付限额")
    assert got["V3"].hifp_pay == Decimal("350.00")
    assert SCOPE not in _cites(got["V3"], "起付线") and SCOPE not in _cites(got["V3"], "年度最高支付限额")


def test_r1_a_reversed_preselfpay_visit_no_longer_decides_later_ones():
    # V1 300.00, p 100.00, reversed: the year as before it; V2 2000.00 then reads no 先行自付 counted before
    led = PersonLedger(rules_for("beijing", "beijing-example"), PERSON)
    led.settle(_v(1, "300.00", preselfpay_amt="100.00"))
    led.reverse("V1")
    res = led.settle(_v(2, "2000.00"))
    assert SCOPE not in _cites(res, "起付线")
