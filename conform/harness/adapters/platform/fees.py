"""Fee lines for 2204, composed from the vendor's test catalogue so a visit's parts come out exactly.

A scenario states a visit's total T and its parts: 全自费 F (fulamt_ownpay_amt),
超限价 O (overlmt_selfpay) and 先行自付 P (preselfpay_amt); the policy scope is
S = T − F − O − P. The vendor declares in `[[adapter.platform.catalogue]]`
which of their test items are fully self-paid, fully covered, priced over a
cap `pric_uplmt_amt` = L, or carry a 先行自付 proportion `selfpay_prop` = r.
The harness uploads (each line cnt 1, pric = the line's amount):

    line 1  a selfpay item          amount F          → 全自费 F
    line 2  an over_limit item      amount L + O      → 超限价 (L + O) − L = O;  L stays in scope
    line 3  a preselfpay item       amount X          → 先行自付 round_half_up(X × r) = P;  X − P in scope
    line 4  a covered item          amount C = T − F − (L + O) − X   → all in scope

so the lines add up to F + (L + O) + X + C = T, and the scope is
L + (X − P) + C = T − F − O − P = S. X is P ÷ r rounded to the fen, moved by a
fen either way until X × r rounds (half up) to P exactly. The harness takes
the preselfpay item with the smallest r whose in-scope part X − P fits in S
(else the largest r), then the over_limit item with the largest cap L that
still fits in what is left (else the smallest), so C ≥ 0 wherever the
catalogue allows it. Test items with selfpay_prop 1 (先行自付 100%) and with
pric_uplmt_amt 0 (the whole price over the cap) let every split be composed.
A part that is zero gets no line. If no catalogue item fits (C < 0, or a kind
is missing), the visit cannot be composed and the scenario is not applicable.
2204's `result[]` must give back exactly these parts per line.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# money's own round_fen (half up to the fen, A-ROUND-FEN), bound here by name: a defect of the sample system that
# replaces benefits.round_fen at run time (fixtures/sample_system/defects.py) does not change how fees are composed
from conform.reference.money import FEN, ZERO, round_fen

from .config import CatalogueItem


@dataclass(frozen=True)
class FeeLine:
    feedetl_sn: str
    item: CatalogueItem
    amount: Decimal             # det_item_fee_sumamt = pric (cnt 1)
    fulamt_ownpay_amt: Decimal  # what 2204 must answer for this line
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal


class CannotCompose(ValueError):
    """The catalogue has no items that yield these parts exactly (the reason says which)."""


def _first(items: list[CatalogueItem], kind: str, what: str) -> list[CatalogueItem]:
    found = [i for i in items if i.kind == kind]
    if not found:
        raise CannotCompose(f"the test catalogue has no {kind} item ({what}); add one to [[adapter.platform.catalogue]]")
    return found


def preselfpay_base(p: Decimal, r: Decimal) -> Decimal | None:
    """The smallest-error amount X (to the fen) with round_half_up(X × r) == P, or None."""
    x0 = round_fen(p / r)
    for x in (x0, x0 - FEN, x0 + FEN, x0 - 2 * FEN, x0 + 2 * FEN):
        if x > 0 and round_fen(x * r) == p:
            return x
    return None


def compose(total: Decimal, fulamt: Decimal, overlmt: Decimal, preselfpay: Decimal,
            catalogue: tuple[CatalogueItem, ...], prefix: str = "1") -> list[FeeLine]:
    """The fee lines of one visit (see the module docstring for the arithmetic)."""
    items = list(catalogue)
    scope = total - fulamt - overlmt - preselfpay
    if scope < 0:
        raise CannotCompose(f"the parts exceed the total {total}")
    room = scope          # what the policy scope can still absorb
    pre_line: tuple[CatalogueItem, Decimal] | None = None
    if preselfpay > 0:
        fits = []
        for item in sorted(_first(items, "preselfpay", "先行自付"), key=lambda i: i.selfpay_prop or ZERO):
            assert item.selfpay_prop is not None
            x = preselfpay_base(preselfpay, item.selfpay_prop)
            if x is not None:
                fits.append((item, x))
                if x - preselfpay <= room:
                    break
        if not fits:
            raise CannotCompose(f"no amount X gives 先行自付 {preselfpay} at the catalogue's selfpay_prop")
        pre_line = fits[-1]
        room -= pre_line[1] - preselfpay
    over_line: CatalogueItem | None = None
    if overlmt > 0:
        caps = sorted(_first(items, "over_limit", "超限价"), key=lambda i: i.pric_uplmt_amt or ZERO, reverse=True)
        over_line = next((i for i in caps if (i.pric_uplmt_amt or ZERO) <= room), caps[-1])
        room -= over_line.pric_uplmt_amt or ZERO
    if room < 0:
        raise CannotCompose(f"the catalogue's items need {total - room} yuan for these parts but the visit's total "
                            f"is {total} (declare an over_limit item with a lower pric_uplmt_amt or a preselfpay "
                            f"item with a higher selfpay_prop)")
    lines: list[FeeLine] = []

    def add(item: CatalogueItem, amount: Decimal, full: Decimal, over: Decimal, pre: Decimal, inscp: Decimal) -> None:
        lines.append(FeeLine(f"{prefix}{len(lines) + 1:03d}", item, amount, full, over, pre, inscp))

    if fulamt > 0:
        add(_first(items, "selfpay", "全自费")[0], fulamt, fulamt, ZERO, ZERO, ZERO)
    if over_line is not None:
        limit = over_line.pric_uplmt_amt or ZERO
        add(over_line, limit + overlmt, ZERO, overlmt, ZERO, limit)
    if pre_line is not None:
        item, x = pre_line
        add(item, x, ZERO, ZERO, preselfpay, x - preselfpay)
    if room > 0 or not lines:
        add(_first(items, "covered", "政策范围内")[0], room, ZERO, ZERO, ZERO, room)
    return lines
