"""Year-to-date totals of one person, and what each settlement added to them.

Totals are kept per natural year (A-YEAR-BY-SETTLEMENT-DATE), so 1 January
starts afresh. A reversal (2208) subtracts exactly what its settlement added
(A-REVERSAL), which restores the totals to what they were before it; the year
remembers which totals a reversal changed, since what is left of them after it
rests on that reading.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import ZERO, fmt


@dataclass(slots=True)
class YearState:
    year: int
    ordinary_dedc: Decimal = ZERO
    ordinary_pay: Decimal = ZERO
    inpatient_pay: Decimal = ZERO
    special_dedc: Decimal = ZERO
    chronic_dedc: dict[str, Decimal] = field(default_factory=dict)
    chronic_pay: dict[str, Decimal] = field(default_factory=dict)
    # What reversals gave back this year, by total (`take_back`): ordinary_dedc, ordinary_pay, inpatient_pay,
    # special_dedc, chronic_dedc.<disease>, chronic_pay.<cap bucket>. No text speaks of reversals: a deductible
    # step reading one of them, and a payment that needed what was given back of its cap, cite A-REVERSAL
    # (conform.reference.benefits._reversed, _reversed_cap). Replaced, never changed in place: clones share it.
    reversed_totals: dict[str, Decimal] = field(default_factory=dict)
    # deductibles counted by visits settled along inpatient rules per visit (吉林 二（五）（六）emergency, day
    # surgery): not a total any text or message names, kept so that a later such visit cites A-JL-EMERGENCY-DEDUCTIBLE
    # only where an earlier one makes the per-visit reading decide its deductible
    inpatient_dedc: Decimal = ZERO
    # the highest 住院起付标准 a special-disease deductible was counted towards this year (吉林 二（四）), None where
    # the opening total's level is not known: not a total any text names, kept so that a visit at a lower level
    # cites A-JL-SPECIAL-DEDUCTIBLE-LEVEL only where an unmet higher standard makes that reading decide its top-up.
    # A reversal leaves it (a maximum cannot be taken back), which can only add that citation, never drop it.
    special_top: Decimal | None = ZERO
    # What reversals made in this year of an EARLIER year's settlements gave back to that year, by total (`keep`):
    # these totals are what they are because A-REVERSAL restores the settlement's own year, not the year the reversal
    # is made in, so a step reading them cites it as for `reversed_totals` (probe s26/probe2 F5). Replaced, never
    # changed in place.
    kept_totals: dict[str, Decimal] = field(default_factory=dict)
    # ordinary-pooling visits this year that had 乙类先行自付 while the deductible was not yet met: a system counting
    # 先行自付 toward the deductible (the other reading of A-DEDUCTIBLE-SCOPE) has less of it left for every later
    # visit, so a later deductible step that counts something rests on that reading too (benefits._deductible_scope,
    # probe s29 R R1). A count, not an amount: only whether any is left after reversals matters.
    scope_pre: int = 0

    def clone(self) -> "YearState":
        return YearState(self.year, self.ordinary_dedc, self.ordinary_pay, self.inpatient_pay, self.special_dedc,
                         dict(self.chronic_dedc), dict(self.chronic_pay), self.reversed_totals, self.inpatient_dedc,
                         self.special_top, self.kept_totals, self.scope_pre)

    def apply(self, c: "Contribution", sign: int = 1) -> None:
        self.ordinary_dedc += sign * c.ordinary_dedc
        self.ordinary_pay += sign * c.ordinary_pay
        self.inpatient_pay += sign * c.inpatient_pay
        self.special_dedc += sign * c.special_dedc
        self.inpatient_dedc += sign * c.inpatient_dedc
        self.scope_pre += sign * c.scope_pre
        if c.disease is not None:
            d = c.disease
            self.chronic_dedc[d] = self.chronic_dedc.get(d, ZERO) + sign * c.chronic_dedc
            self.chronic_pay[d] = self.chronic_pay.get(d, ZERO) + sign * c.chronic_pay

    def take_back(self, c: "Contribution") -> None:
        """A reversal (2208) of the settlement that added `c` (A-REVERSAL): subtract it, and remember each total
        it changed and by how much — only a non-zero part changes one (a settlement that counted no deductible gives
        none back)."""
        self.apply(c, -1)
        self.reversed_totals = _added(self.reversed_totals, c)

    def keep(self, c: "Contribution") -> None:
        """A reversal made in this year of an earlier year's settlement that added `c`: nothing of this year changes
        (A-REVERSAL gives it back to its own year); remember each total it would have changed here."""
        self.kept_totals = _added(self.kept_totals, c)

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "ordinary_dedc": fmt(self.ordinary_dedc),
            "ordinary_pay": fmt(self.ordinary_pay),
            "inpatient_pay": fmt(self.inpatient_pay),
            "special_dedc": fmt(self.special_dedc),
            "chronic_dedc": {k: fmt(v) for k, v in sorted(self.chronic_dedc.items())} if self.chronic_dedc else {},
            "chronic_pay": {k: fmt(v) for k, v in sorted(self.chronic_pay.items())} if self.chronic_pay else {},
        }


def _added(totals: dict[str, Decimal], c: "Contribution") -> dict[str, Decimal]:
    """`totals` (by total name) with each non-zero part of `c` added: a new dict where one changes, else `totals`."""
    changed = {name: part for name, part in (("ordinary_dedc", c.ordinary_dedc), ("ordinary_pay", c.ordinary_pay),
                                             ("inpatient_pay", c.inpatient_pay), ("special_dedc", c.special_dedc),
                                             (f"chronic_dedc.{c.disease}", c.chronic_dedc),
                                             (f"chronic_pay.{c.disease}", c.chronic_pay)) if part}
    if not changed:
        return totals
    out = dict(totals)
    for name, part in changed.items():
        out[name] = out.get(name, ZERO) + part
    return out


@dataclass(slots=True)
class Contribution:
    """What one settlement adds to its year's totals."""

    year: int
    ordinary_dedc: Decimal = ZERO
    ordinary_pay: Decimal = ZERO
    inpatient_pay: Decimal = ZERO
    special_dedc: Decimal = ZERO
    inpatient_dedc: Decimal = ZERO  # YearState.inpatient_dedc's part
    disease: str | None = None
    chronic_dedc: Decimal = ZERO
    chronic_pay: Decimal = ZERO
    acct_pay: Decimal = ZERO
    scope_pre: int = 0  # YearState.scope_pre's part (1: this visit had 先行自付 before the deductible was met)
