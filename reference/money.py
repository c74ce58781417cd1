"""Exact money: every amount is a Decimal in yuan, quantized to the fen.

Floats never enter: amounts arrive as strings (or ints) and leave as
strings with two decimals. The rounding rule is named where it is applied,
so a trace can say which one was used.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
YUAN = Decimal("1")
ZERO = Decimal("0.00")
RATIO_PLACES = Decimal("0.0001")


class AmountError(ValueError):
    """An amount that is not a non-negative number of yuan with at most two decimals."""


def parse_amount(value: object, *, allow_negative: bool = False) -> Decimal:
    """Read an amount from case input; refuse floats so no binary rounding sneaks in."""
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountError(f"must be a string or integer amount, not {type(value).__name__} {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise AmountError(f"not a number: {value!r}") from None
    else:
        raise AmountError(f"not an amount: {value!r}")
    if not d.is_finite():
        raise AmountError(f"not a finite number: {value!r}")
    try:
        exact = d == d.quantize(FEN)
    except InvalidOperation:  # too many digits to hold to the fen (e.g. "1e30")
        raise AmountError(f"too large to be an amount in yuan and fen: {value!r}") from None
    if not exact:
        raise AmountError(f"more than two decimals (fen): {value!r}")
    if d < 0 and not allow_negative:
        raise AmountError(f"negative amount: {value!r}")
    return d.quantize(FEN)


def parse_ratio(value: object) -> Decimal:
    """Read a ratio given as a fraction ("0.5") or a percentage ("50%")."""
    if isinstance(value, (bool, float)):
        raise AmountError(f"ratio must be a string such as \"0.50\" or \"50%\", not {value!r}")
    text = str(value).strip()
    try:
        d = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        raise AmountError(f"not a ratio: {value!r}") from None
    if not d.is_finite() or d < 0 or d > 1:
        raise AmountError(f"ratio must lie between 0 and 1: {value!r}")
    return d


def round_fen(d: Decimal) -> Decimal:
    """四舍五入 to the fen (ROUND_HALF_UP, 0.01): the default settlement rounding."""
    return d.quantize(FEN, rounding=ROUND_HALF_UP)


def round_yuan(d: Decimal) -> Decimal:
    """四舍五入 to the yuan, as 攀枝花 第四条（二）requires for retirees' credits."""
    return d.quantize(YUAN, rounding=ROUND_HALF_UP).quantize(FEN)


def fmt(d: Decimal) -> str:
    """Two-decimal string, the output form of every amount."""
    return str(d.quantize(FEN))


def fmt_ratio(d: Decimal) -> str:
    """Four-decimal string, the output form of pool_prop_selfpay."""
    return str(d.quantize(RATIO_PLACES))


def pct(d: Decimal) -> str:
    """A ratio as the texts write it: 0.55 -> 55%."""
    return f"{(d * 100).normalize():f}%"
