"""Exact money: every amount is a Decimal in yuan, quantized to the fen.

Floats never enter: amounts arrive as strings (or ints) and leave as
strings with two decimals. The rounding rule is named where it is applied,
so a trace can say which one was used.
"""
from __future__ import annotations

import re
import reprlib
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
YUAN = Decimal("1")
ZERO = Decimal("0.00")
RATIO_PLACES = Decimal("0.0001")


class AmountError(ValueError):
    """An amount that is not a non-negative number of yuan with at most two decimals."""


# The form parse_amount accepts (where it is the reader: case files, region values, the answers it is given; the
# audit's ledger columns are read by the audit's own rules): ASCII digits, an optional minus, at most two decimals;
# no spaces, no exponent, no thousands separator. A JSON or YAML number is read by the same rule from its exact text
# (never via float).
_AMOUNT_RE = re.compile(r"(-?)([0-9]+)(?:\.([0-9]{1,2}))?")
MAX_YUAN_DIGITS = 12  # up to 999,999,999,999.99 yuan: far beyond any settlement, far inside Decimal's precision
_MAX_INT = 10 ** MAX_YUAN_DIGITS
_RATIO_RE = re.compile(r"([0-9]{1,3})(?:\.([0-9]{1,8}))?(%?)")


def _short(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else f"{value[:30]!r}…({len(value)} characters)"
    return _REPR.repr(value)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 40
_REPR.maxlevel = 2


def _diagnose(text: str, value: object) -> AmountError:
    """Why `text` is not an amount, in the user's terms."""
    shown = _short(value)
    if text != text.strip():
        return AmountError(f"spaces are not part of an amount: {shown}")
    if text.lstrip("+-").lower() in ("nan", "snan", "inf", "infinity"):
        return AmountError(f"not a finite number: {shown}")
    if any(not c.isascii() for c in text) and any(c.isdigit() or c.isnumeric() for c in text):
        return AmountError(f"only ASCII digits 0-9 are accepted: {shown}")
    if re.fullmatch(r"-?[0-9]+\.[0-9]{3,}", text):
        return AmountError(f"more than two decimals (fen): {shown}")
    if re.fullmatch(r"[-+]?[0-9]*\.?[0-9]*[eE][-+]?[0-9]+", text):
        try:
            big = abs(Decimal(text)) >= _MAX_INT
        except (InvalidOperation, ArithmeticError):
            big = True
        if big:
            return AmountError(f"too large to be an amount in yuan and fen: {shown}")
        return AmountError(f"exponent notation is not accepted; write the amount out (e.g. 100.00): {shown}")
    return AmountError(f"not a number: {shown} (an amount is written like 430 or 430.10)")


def parse_amount(value: object, *, allow_negative: bool = False) -> Decimal:
    """Read an amount (digits, an optional minus, at most two decimals); refuse floats so no binary rounding sneaks in.

    Range is checked on the text, before any arithmetic: at most MAX_YUAN_DIGITS digits of yuan.
    "-0" is zero and prints as 0.00.
    """
    if type(value) is str:
        d = _READ.get(value)
        if d is not None:  # only non-negative readings are kept, so no sign check is needed
            return d
        # The usual form, yuan.fen ("123.45"), checked with str methods (a regex costs twice as much):
        # ASCII, so isdigit() means 0-9; at most MAX_YUAN_DIGITS digits of yuan; exactly two decimals,
        # so Decimal(value) is already held to the fen. Anything else takes the general path below.
        if (3 < len(value) <= MAX_YUAN_DIGITS + 3 and value[-3] == "." and value.isascii()
                and value[:-3].isdigit() and value[-2:].isdigit()):
            d = Decimal(value)
            if not d:
                return ZERO
            if len(_READ) > 100_000:
                _READ.clear()
            _READ[value] = d
            return d
        text = value
    elif isinstance(value, str):
        text = str(value)
    elif isinstance(value, bool) or isinstance(value, float):
        raise AmountError(f"must be a string or integer amount, not {type(value).__name__} {value!r}")
    elif isinstance(value, int):
        if not -_MAX_INT < value < _MAX_INT:
            raise AmountError(f"too large to be an amount in yuan and fen: {_short(value)}")
        text = str(value)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise AmountError(f"not a finite number: {value!r}")
        if value.adjusted() >= MAX_YUAN_DIGITS:
            raise AmountError(f"too large to be an amount in yuan and fen: {_short(value)}")
        text = str(value)
    else:
        raise AmountError(f"not an amount: {_short(value)}")
    if len(text) > MAX_YUAN_DIGITS + 8:
        if _AMOUNT_RE.fullmatch(text[:MAX_YUAN_DIGITS + 8]) or text[:1].isdigit():
            raise AmountError(f"too large to be an amount in yuan and fen: {_short(value)}")
        raise _diagnose(text[:60], value)
    m = _AMOUNT_RE.fullmatch(text)
    if m is None:
        raise _diagnose(text, value)
    if len(m.group(2).lstrip("0")) > MAX_YUAN_DIGITS:
        raise AmountError(f"too large to be an amount in yuan and fen: {_short(value)}")
    d = Decimal(text)
    if not d:
        return ZERO
    sign, _, fen = m.groups()
    if sign:
        if not allow_negative:
            raise AmountError(f"negative amount: {_short(value)}")
        return d.quantize(FEN)
    if fen is None or len(fen) != 2:  # two decimals written: Decimal(text) is already held to the fen
        d = d.quantize(FEN)
    if type(value) is str:
        if len(_READ) > 100_000:
            _READ.clear()
        _READ[value] = d
    return d


_READ: dict[str, Decimal] = {}  # text → amount, for the amounts a batch repeats (Decimals are immutable)


def parse_ratio(value: object) -> Decimal:
    """Read a ratio given as a fraction ("0.5") or a percentage ("50%" or "50％"), ASCII digits only."""
    if isinstance(value, (bool, float)):
        raise AmountError(f"ratio must be a string such as \"0.50\" or \"50%\", not {value!r}")
    text = str(value) if isinstance(value, (str, int, Decimal)) else None
    if text is not None and text.endswith("％"):  # the full-width sign the texts themselves write (浙江 “从60％起步”)
        text = text[:-1] + "%"
    m = _RATIO_RE.fullmatch(text) if text is not None and len(text) <= 16 else None
    if m is None:
        raise AmountError(f"not a ratio: {_short(value)} (write 0.50 or 50%)")
    d = Decimal(text[:-1]) / 100 if m.group(3) else Decimal(text)
    if d < 0 or d > 1:
        # "75" for 75%, "5" for 5 percentage points: say what was probably meant
        hint = (f" (write {format((d / 100).normalize(), 'f')} or {text}%)" if not m.group(3) and d <= 100
                else " (at most 100%)" if m.group(3) else "")
        raise AmountError(f"ratio must lie between 0 and 1: {value!r}{hint}")
    return d


def round_fen(d: Decimal) -> Decimal:
    """四舍五入 to the fen (ROUND_HALF_UP, 0.01): the default settlement rounding."""
    return d.quantize(FEN, ROUND_HALF_UP)  # rounding given by position: half the cost of the keyword


def round_yuan(d: Decimal) -> Decimal:
    """四舍五入 to the yuan, as 攀枝花 第四条（二）requires for retirees' credits."""
    return d.quantize(YUAN, rounding=ROUND_HALF_UP).quantize(FEN)


def fmt(d: Decimal) -> str:
    """Two-decimal string, the output form of every amount; a negative zero prints as 0.00."""
    if not d:
        return "0.00"
    s = str(d)
    if s[-3:-2] == ".":  # already held to the fen (plain notation, two decimals): the common case
        return s
    q = d.quantize(FEN)
    return str(q) if q else "0.00"


def to_fen(d: Decimal) -> int:
    """An amount held to the fen as integer fen, exactly: a figure with a part of a fen is a bug, never truncated."""
    n = d.scaleb(2)
    if n != n.to_integral_value():
        raise ValueError(f"amount {d} is not a whole number of fen")
    return int(n)


def from_fen(n: int) -> Decimal:
    """Integer fen as yuan with two places, exactly (a shift of the exponent: no division, no float)."""
    return Decimal(int(n)).scaleb(-2)


def ratio_e4(d: Decimal) -> int:
    """A ratio in ten-thousandths, as fmt_ratio writes it (四舍五入 to 0.0001): the vectorised plan's integer form."""
    return int(fmt_ratio(d).replace(".", ""))


def fmt_ratio(d: Decimal) -> str:
    """Four-decimal string, the output form of pool_prop_selfpay, 四舍五入 (ROUND_HALF_UP) to 0.0001."""
    s = _RATIOS.get(d)
    if s is not None and (d or not d.is_signed()):
        return s
    s = str(d.quantize(RATIO_PLACES, ROUND_HALF_UP))
    if d or not d.is_signed():  # -0 equals 0 but prints "-0.0000": it neither reads nor writes the table
        if len(_RATIOS) > 1024:
            _RATIOS.clear()
        _RATIOS[d] = s
    return s


# A batch has a handful of ratios: their strings, by value. Equal Decimals quantize to the same
# string (a zero's sign aside, handled above), so a value can never find another value's text.
_RATIOS: dict[Decimal, str] = {}


def pct(d: Decimal) -> str:
    """A ratio as the texts write it: 0.55 -> 55%."""
    return f"{(d * 100).normalize():f}%"
