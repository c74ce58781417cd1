"""A system under test that is the reference with some answered figures replaced — how the blame tests make one
wrong figure and see which the properties name (s9 implW's tests shared it five times)."""
from __future__ import annotations

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.properties.base import PropertyViolation


class Answers(ReferenceAdapter):
    """The reference, its own ledger right, but some answered figures replaced: {(id, field): figure} for a
    settlement, {(year, field): figure} for the year's totals."""

    def __init__(self, told: dict):
        super().__init__()
        self.told = told

    def settle(self, psn_no, settlement):
        out = dict(super().settle(psn_no, settlement))
        out.update({f: v for (sid, f), v in self.told.items() if sid == settlement.id})
        return out

    def query_ytd(self, psn_no, year):
        out = dict(super().query_ytd(psn_no, year))
        out.update({f: v for (y, f), v in self.told.items() if y == year})
        return out


def found(e: PropertyViolation) -> list[tuple[str, str, str, str]]:
    """What a violation names: (field, expected, actual, item) of each mismatch."""
    return [(m.field, m.expected, m.actual, m.item) for m in e.mismatches]
