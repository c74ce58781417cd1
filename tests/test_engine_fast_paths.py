"""The shortcuts `conform settle` takes for speed give exactly what the general code gives.

Each fast path sits next to a general one that does every check and names every error:
a settlement read without per-field calls (conform/reference/case.py `_fast_settlement`), the
usual yuan.fen amount read without the regex (money.parse_amount), and the output
figures formatted with reuse and inlined `fmt` (engine.SettlementResult.to_output).
Here each is compared with its general counterpart on generated input, valid and
invalid alike: the fast path must either step aside (None / the general path runs) or
build an identical object, Decimal exponents included.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conform.reference.case import (
    CaseError,
    Disease,
    Person,
    Settlement,
    _fast_person,
    _fast_settlement,
    _parse_person,
    _parse_settlement,
    parse_case,
)
from conform.reference.engine import SettlementResult
from conform.reference.money import AmountError, fmt, fmt_ratio, parse_amount

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PERSON = Person("P1", "1101", diseases=(Disease("M00500", "chronic"), Disease("M03900", "two_disease")))
CODES = frozenset(d.dise_codg for d in PERSON.diseases)

text = st.one_of(st.sampled_from(["S1", "", "x" * 201, "M00500", "M09999", "third_party", "nope"]),
                 st.text(max_size=5))
amount_text = st.one_of(
    st.from_regex(r"-?[0-9]{1,14}(\.[0-9]{0,3})?", fullmatch=True),
    st.sampled_from(["0.00", "-0", "100.00", "1e3", " 1.00", "١.00", "1.00 ", "NaN", "12.3", "007.50"]),
)
amount = st.one_of(amount_text, st.integers(-10, 10**13), st.none(), st.booleans(), st.floats(0, 10),
                   st.decimals(allow_nan=True, places=3))
flag = st.one_of(st.booleans(), st.none(), st.sampled_from(["1", "0", "true", "False", "yes", 1, 0, 2]))
settlement = st.fixed_dictionaries(
    {},
    optional={
        "id": text,
        "setl_id": text,
        "date": st.one_of(st.sampled_from(["2023-03-01", "2023-02-30", "1899-12-31", "2023-3-1", "2023-03-01x"]),
                          st.integers(), st.none()),
        "med_type": st.one_of(st.sampled_from(["11", "13", "14", "28", "41", "99"]), st.integers(10, 42)),
        "facility": st.sampled_from(["tertiary", "secondary", "primary", "unrated", "pharmacy", "clinic"]),
        "medfee_sumamt": amount,
        "fulamt_ownpay_amt": amount,
        "overlmt_selfpay": amount,
        "preselfpay_amt": amount,
        "dise_codg": st.one_of(text, st.integers(), st.none()),
        "remote": flag,
        "exclusion": st.one_of(st.sampled_from(["third_party", "other_fund", "nope"]), st.none(), st.integers()),
        "acct_used_flag": flag,
        "reverses": text,
        "unknown": st.just("x"),
    },
)


def _same(a: object, b: object) -> bool:
    """Equal, of the same types, and Decimals with the same digits and exponent."""
    return type(a) is type(b) and repr(a) == repr(b)


@FAST
@given(settlement)
@example({"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "primary", "medfee_sumamt": "100.00"})
@example({"id": "S1", "date": "2023-03-01", "med_type": "14", "facility": "pharmacy", "medfee_sumamt": "10",
          "dise_codg": "M00500", "fulamt_ownpay_amt": "2.5", "acct_used_flag": "0"})
@example({"id": "S1", "date": "2023-03-01", "med_type": "14", "facility": "primary", "medfee_sumamt": "10.00"})
@example({"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "primary", "medfee_sumamt": "1.00",
          "fulamt_ownpay_amt": "0.60", "overlmt_selfpay": "0.50"})
@example({"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "primary", "medfee_sumamt": "1.00",
          "remote": None})
def test_fast_settlement_steps_aside_or_builds_what_the_general_path_builds(data):
    fast = _fast_settlement(data, CODES)
    try:
        general = _parse_settlement(data, "0", 0, PERSON)
    except CaseError:
        assert fast is None, f"the fast path accepted what the general path refuses: {data!r}"
        return
    if fast is None:
        return  # stepping aside is always allowed
    assert type(fast) is Settlement and fast == general
    for name in Settlement.__slots__:
        assert _same(getattr(fast, name), getattr(general, name)), name


person = st.fixed_dictionaries(
    {},
    optional={
        "psn_no": st.one_of(text, st.integers()),
        "psn_type": st.one_of(st.sampled_from(["1101", "1103", "1201", "1203", "1102"]), st.integers(1100, 1204)),
        "birth_date": st.one_of(st.sampled_from(["1960-05-01", "1960-02-30", "60-05-01"]), st.integers(), st.none(),
                                st.dates()),
        "flex_tier": st.one_of(st.sampled_from(["1", "2", "3", 1, 2, True]), st.none()),
        "remote_filing": flag,
        "acct_balance": amount,
        "has_account": flag,
        "retire_date": st.sampled_from(["2023-06-01", "x"]),
        "chronic_diseases": st.just([{"dise_codg": "M00500", "kind": "chronic"}]),
        "unknown": st.just(1),
    },
)


@FAST
@given(person)
@example({"psn_no": "P1", "psn_type": "1103", "flex_tier": "2", "birth_date": "1970-01-31", "acct_balance": "12.5",
          "remote_filing": "1"})
@example({"psn_no": "P1", "psn_type": "1101", "flex_tier": 1})
def test_fast_person_steps_aside_or_builds_what_the_general_path_builds(data):
    fast = _fast_person(data)
    try:
        general = _parse_person(data, "0")
    except CaseError:
        assert fast is None, f"the fast path accepted what the general path refuses: {data!r}"
        return
    if fast is None:
        return
    assert type(fast) is Person and fast == general
    for name in Person.__slots__:
        assert _same(getattr(fast, name), getattr(general, name)), name


def test_fast_settlement_is_a_real_frozen_settlement():
    s = _fast_settlement({"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "primary",
                          "medfee_sumamt": "100.00"})
    assert type(s) is Settlement
    assert s == Settlement("S1", dt.date(2023, 3, 1), "11", "primary", Decimal("100.00"))
    assert hash(s) == hash(Settlement("S1", dt.date(2023, 3, 1), "11", "primary", Decimal("100.00")))
    try:
        s.id = "S2"  # type: ignore[misc]
    except AttributeError:  # dataclasses.FrozenInstanceError
        pass
    else:
        raise AssertionError("a Settlement from the fast path must stay frozen")


def test_parse_case_refusals_are_unchanged_by_the_fast_path():
    """A settlement the fast path steps aside from is refused by the general path with its located message."""
    base = {"policy": "panzhihua", "person": {"psn_no": "P1", "psn_type": "1101"}}
    bad = {"id": "S1", "date": "2023-03-01", "med_type": "11", "facility": "primary", "medfee_sumamt": "1.00",
           "fulamt_ownpay_amt": "0.60", "overlmt_selfpay": "0.50"}
    try:
        parse_case({**base, "settlements": [bad]})
    except CaseError as e:
        assert "settlement S1" in str(e) and "field medfee_sumamt" in str(e) and "parts exceed the total" in str(e)
    else:
        raise AssertionError("parts above the total must be refused")


class _Str(str):
    """A str subclass: parse_amount reads it by its general (regex) path, not the yuan.fen shortcut."""


@FAST
@given(amount_text)
@example("123456789012.34")
@example("1234567890123.45")
@example("0001234567890.12")
@example("00.00")
def test_amount_shortcut_reads_as_the_general_path(s):
    def read(v):
        try:
            return parse_amount(v)
        except AmountError as e:
            return ("refused", str(e).replace("_Str(", "").replace("'", ""))

    fast, general = read(s), read(_Str(s))
    assert type(fast) is type(general)
    if isinstance(fast, Decimal):
        assert repr(fast) == repr(general)
    else:
        assert fast[0] == general[0]


decimals = st.one_of(
    st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False),
    st.decimals(min_value=-10**6, max_value=10**6, places=0, allow_nan=False),
    st.decimals(min_value=-10**3, max_value=10**3, places=3, allow_nan=False),
    st.sampled_from([Decimal("0.00"), Decimal("-0.00"), Decimal("0"), Decimal("-0"), Decimal("1E+2"),
                     Decimal("1.5"), Decimal("100.00")]),
)


@FAST
@given(st.lists(decimals, min_size=11, max_size=11), st.booleans(),
       st.sampled_from([Decimal("0.5"), Decimal("0.85"), Decimal("-0"), Decimal("0.123456")]))
def test_to_output_formats_every_figure_as_fmt_does(values, reversal, ratio):
    """Reused texts (equal figures) and the inlined str() give what fmt gives for each figure alone."""
    (total, inscp, dedc, fund, part, acct, cash, ordinary, chronic, inpatient, fund2) = values
    for same in (False, True):  # also with the shared objects settle() passes (fund twice, equal figures)
        if same:
            fund2, ordinary, cash, inscp = fund, fund, part, total
        r = SettlementResult("S1", dt.date(2023, 3, 1), total, inscp, dedc, fund, ratio, fund2, part, acct, cash,
                             ordinary, chronic, inpatient, "ordinary", reverses="S0" if reversal else None)
        out = r.to_output(with_trace=False)
        expected = {"id": "S1", "setl_id": "S1", **({"reverses": "S0"} if reversal else {}), "date": "2023-03-01",
                    "medfee_sumamt": fmt(total), "inscp_scp_amt": fmt(inscp), "act_pay_dedc": fmt(dedc),
                    "hifp_pay": fmt(fund), "pool_prop_selfpay": fmt_ratio(ratio), "fund_pay_sumamt": fmt(fund2),
                    "psn_part_amt": fmt(part), "acct_pay": fmt(acct), "psn_cash_pay": fmt(cash),
                    "ordinary_pay": fmt(ordinary), "chronic_pay": fmt(chronic), "inpatient_pay": fmt(inpatient),
                    "benefit": "ordinary"}
        assert out == expected
        assert list(out) == list(expected)  # the order orjson writes


def test_fmt_ratio_memo_keeps_the_sign_of_zero():
    assert fmt_ratio(Decimal("-0")) == "-0.0000"
    assert fmt_ratio(Decimal("0")) == "0.0000"
    assert fmt_ratio(Decimal("-0")) == "-0.0000"
    assert fmt_ratio(Decimal("0.5")) == fmt_ratio(Decimal("0.50000")) == "0.5000"
