"""Exact money (reference/money.py): Decimal in, Decimal out, never a float.

The rounding rules are the ones the texts or the assumptions name:
A-ROUND-FEN (四舍五入 to the fen, ROUND_HALF_UP) for settlements and
攀枝花 第四条（二）“以‘元’为单位四舍五入” for retirees' credits.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from reference.case import load_text
from reference.money import (
    ZERO,
    AmountError,
    fmt,
    fmt_ratio,
    parse_amount,
    parse_ratio,
    pct,
    round_fen,
    round_yuan,
)

D = Decimal


# --------------------------------------------------------------------------- parse_amount


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("430", D("430.00")),
        ("430.1", D("430.10")),
        ("430.10", D("430.10")),
        (" 7.5 ", D("7.50")),          # surrounding blanks are not part of the number
        (5, D("5.00")),                # integers are exact
        (D("12.30"), D("12.30")),
        ("0", D("0.00")),
        ("1.230", D("1.23")),          # trailing zero beyond the fen is still exactly 1.23
        ("1e2", D("100.00")),
    ],
)
def test_parse_amount_reads_exact_yuan_and_fen(raw, expected):
    got = parse_amount(raw)
    assert got == expected
    assert got.as_tuple().exponent == -2  # always held to the fen


@pytest.mark.parametrize(
    "raw, message",
    [
        (1.5, "not float"),                       # floats are refused outright
        (True, "not bool"),
        ("abc", "not a number"),
        ("-1", "negative amount"),
        ("1.234", "more than two decimals"),
        ("NaN", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("1e30", "too large"),                    # 32 digits at the fen: beyond Decimal's 28-digit context
        (10**40, "too large"),
        (None, "not an amount"),
        ([1], "not an amount"),
    ],
)
def test_parse_amount_refuses_what_is_not_an_amount(raw, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(raw)


def test_parse_amount_negative_only_when_allowed():
    assert parse_amount("-115.00", allow_negative=True) == D("-115.00")


# --------------------------------------------------------------------------- parse_ratio


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0.5", D("0.5")),
        ("50%", D("0.5")),       # the texts write ratios as percentages
        ("2.5%", D("0.025")),    # 南昌 四（三）1 “2.5%”
        ("60%", D("0.6")),
        ("1", D("1")),
        ("0", D("0")),
    ],
)
def test_parse_ratio_fraction_or_percentage(raw, expected):
    assert parse_ratio(raw) == expected


@pytest.mark.parametrize("raw", ["1.01", "101%", "-0.1", "abc", "x%", 0.5, True])
def test_parse_ratio_refuses(raw):
    with pytest.raises(AmountError):
        parse_ratio(raw)


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    "exact, fen",
    [
        (D("0.005"), D("0.01")),     # half goes up (ROUND_HALF_UP), not to even
        (D("0.025"), D("0.03")),     # half-even would give 0.02
        (D("0.0049"), D("0.00")),
        (D("2.675"), D("2.68")),     # the classic float trap: float(2.675) rounds to 2.67
        (D("115.125"), D("115.13")),
        (D("86.425"), D("86.43")),   # 4321.25 × 2% (攀枝花 第四条 一档灵活就业)
        (D("74.6875"), D("74.69")),  # 2987.50 × 2.5% (南昌 四（三）1)
        (D("-0.005"), D("-0.01")),   # away from zero on reversals
    ],
)
def test_round_fen_is_half_up(exact, fen):
    """A-ROUND-FEN: 四舍五入 to the fen."""
    assert round_fen(exact) == fen


@pytest.mark.parametrize(
    "exact, yuan",
    [
        (D("56.50"), D("57.00")),    # 2825 × 2% = 56.50: half a yuan goes up (攀枝花 第四条（二）)
        (D("56.495"), D("56.00")),   # 2824.75 × 2% = 56.495 < 56.5
        (D("57.4998"), D("57.00")),  # 2874.99 × 2%
        (D("57.50"), D("58.00")),    # 2875 × 2%
        (D("54.5"), D("55.00")),     # half up, not half-even (half-even would give 54)
        (D("0.49"), D("0.00")),
    ],
)
def test_round_yuan_is_half_up_to_whole_yuan(exact, yuan):
    """攀枝花 第四条（二）: 以“元”为单位四舍五入."""
    got = round_yuan(exact)
    assert got == yuan
    assert got.as_tuple().exponent == -2  # still shown to the fen


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    "d, text",
    [(D("5"), "5.00"), (D("115.1"), "115.10"), (ZERO, "0.00"), (D("-115"), "-115.00"), (D("1500.00"), "1500.00")],
)
def test_fmt_two_decimals(d, text):
    assert fmt(d) == text


@pytest.mark.parametrize("d, text", [(D("0.5"), "0.5000"), (D("0.025"), "0.0250"), (D("1"), "1.0000")])
def test_fmt_ratio_four_decimals(d, text):
    assert fmt_ratio(d) == text


@pytest.mark.parametrize(
    "d, text",
    [(D("0.55"), "55%"), (D("0.025"), "2.5%"), (D("1"), "100%"), (D("0.60"), "60%"), (D("0.05"), "5%")],
)
def test_pct_as_the_texts_write_it(d, text):
    assert pct(d) == text


# --------------------------------------------------------------------------- input never passes through float


def test_json_decimals_stay_exact():
    data = load_text('{"a": 0.1, "b": 430.10, "c": 2.675}')
    assert data == {"a": D("0.1"), "b": D("430.10"), "c": D("2.675")}
    assert all(isinstance(v, Decimal) for v in data.values())


def test_yaml_decimals_stay_exact():
    data = load_text("a: 0.1\nb: 430.10\nc: 2.675\n")
    assert data == {"a": D("0.1"), "b": D("430.10"), "c": D("2.675")}
    assert all(isinstance(v, Decimal) for v in data.values())
