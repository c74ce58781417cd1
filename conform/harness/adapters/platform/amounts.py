"""Reading a platform answer's amounts exactly.

Real platform answers carry amounts as JSON numbers (`"hifp_pay": 115.5`) or
as strings. The body is decoded with `json.loads(parse_float=Decimal)`, so a
number's digits become a Decimal directly and never pass through binary
floating point; an amount may then have at most two decimals (a ratio, four).
Numeric text is ASCII digits only, as in the http profile: "１１５.００", "١١٥" or
"115.00\\n" (which Decimal() and Python's `\\d` and `$` accept) is not an amount.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..http import MAX_INT_DIGITS
from ..wire import BigNumber

FEN = Decimal("0.01")
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")   # numeric text: ASCII digits, no sign but -, no exponent, no spaces


def _int(text: str) -> int | BigNumber:
    """An integer of at most MAX_INT_DIGITS digits; a longer one stays text (int() refuses past 4300 digits,
    and the message then names the field and says "a JSON number of N digits")."""
    return int(text) if len(text) <= MAX_INT_DIGITS else BigNumber(text)


def decode(body: bytes | str) -> Any:
    """The JSON body with every non-integer number as an exact Decimal (integers stay int)."""
    return json.loads(body, parse_float=Decimal, parse_int=_int)


def exact(v: Any) -> Decimal | None:
    """A JSON number or numeric string as Decimal; None when it is neither."""
    if isinstance(v, bool) or isinstance(v, float):   # a float here means someone decoded without Decimal
        return None
    if isinstance(v, (int, Decimal)):
        d = Decimal(v)
    elif isinstance(v, str) and not isinstance(v, BigNumber) and NUMBER.fullmatch(v):
        d = Decimal(v)
    else:
        return None
    return d if d.is_finite() else None


def amount(v: Any) -> Decimal | None:
    """An amount in yuan with at most two decimals, as Decimal quantized to the fen; None if it is not one."""
    d = exact(v)
    if d is None:
        return None
    try:
        if d != d.quantize(FEN):
            return None
    except InvalidOperation:
        return None
    return d.quantize(FEN)


def text(d: Decimal) -> str:
    """Two-decimal text, the harness's own form of an amount."""
    return f"{d.quantize(FEN):.2f}"


def wire(d: Decimal) -> Decimal:
    """An amount as it goes out in a request: a JSON number with two decimals (see `dumps`)."""
    return d.quantize(FEN)


_MARK = "\u0000conform-number\u0000"


def dumps(obj: Any) -> str:
    """JSON text in which each Decimal is a JSON number with exactly its digits (never via float).

    The standard encoder writes each Decimal as a marked string, and the marks
    (which no JSON string can contain unescaped) are then removed with the quotes."""
    def conv(o: Any) -> Any:
        if isinstance(o, Decimal):
            return f"{_MARK}{o:f}{_MARK}"
        if isinstance(o, dict):
            return {k: conv(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [conv(v) for v in o]
        return o

    text_ = json.dumps(conv(obj), ensure_ascii=False)
    mark = json.dumps(_MARK)[1:-1]
    return re.sub(f'"{re.escape(mark)}(-?[0-9.]+){re.escape(mark)}"', r"\1", text_)
