"""Exact money (conform/reference/money.py): Decimal in, Decimal out, never a float.

The rounding rules are the ones the texts or the assumptions name:
A-ROUND-FEN (四舍五入 to the fen, ROUND_HALF_UP) for settlements and
攀枝花 第四条（二）“以‘元’为单位四舍五入” for retirees' credits.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.reference.case import load_text
from conform.reference.money import (
    ZERO,
    AmountError,
    fmt,
    fmt_ratio,
    from_fen,
    parse_amount,
    parse_ratio,
    ratio_e4,
    to_fen,
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
        (5, D("5.00")),                # integers are exact
        (D("12.30"), D("12.30")),
        ("0", D("0.00")),
        ("-0", D("0.00")),             # a negative zero is zero
        ("999999999999.99", D("999999999999.99")),   # the largest amount: 12 digits of yuan
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
        ("1e30", "too large"),                    # refused by range on the text, before any arithmetic
        ("1e999999", "too large"),
        (D("1E+999999"), "too large"),
        ("1" * 5000, "too large"),
        (10**4000, "too large"),
        ("1000000000000", "too large"),           # 13 digits of yuan
        (" 7.5 ", "spaces"),                      # one form everywhere: no blanks
        ("1 000", "not a number"),
        ("1,000", "not a number"),
        ("1.230", "more than two decimals"),      # the form allows at most two decimals, even zeros
        ("1e2", "exponent notation"),
        ("+5", "not a number"),
        (".5", "not a number"),
        ("²⁰²³", "only ASCII digits"),            # superscripts, Arabic-Indic and full-width digits are not numbers
        ("٥٠٠", "only ASCII digits"),
        ("１００", "only ASCII digits"),
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


def test_yaml_scalars_stay_text():
    # YAML's implicit types never reach the model: numbers, dates, booleans stay the text that was written
    data = load_text("a: 0.1\nb: 430.10\nc: 2.675\nd: 2023-02-30\ne: .nan\nf: yes\ng: 1:30\nh: ~\n")
    assert data == {"a": "0.1", "b": "430.10", "c": "2.675", "d": "2023-02-30", "e": ".nan", "f": "yes",
                    "g": "1:30", "h": None}
    assert parse_amount(data["b"]) == D("430.10")


def test_negative_zero_prints_as_zero():
    assert fmt(-D("0.00")) == "0.00" and fmt(D("-0.004")) == "0.00"
    assert fmt(D("-0.01")) == "-0.01"


# --------------------------------------------------------------------------- fen as integers (the audit's unit)


def test_fen_round_trip_is_exact_and_never_truncates():
    assert to_fen(D("1203455.10")) == 120345510 and to_fen(D("-0.01")) == -1 and to_fen(D("800")) == 80000
    assert from_fen(120345510) == D("1203455.10") and str(from_fen(-5)) == "-0.05" and str(from_fen(0)) == "0.00"
    with pytest.raises(ValueError, match="not a whole number of fen"):
        to_fen(D("0.015"))  # int(d * 100) would have said 1


def test_ratio_rounds_half_up_to_four_places():
    # pool_prop_selfpay is written to 0.0001, 四舍五入 as every other figure: 0.66665 -> 0.6667 (half-even says 0.6666)
    assert fmt_ratio(D("0.66665")) == "0.6667" and ratio_e4(D("0.66665")) == 6667
    assert ratio_e4(D("0.9")) == 9000 and ratio_e4(D("1")) == 10000 and ratio_e4(D("0")) == 0
