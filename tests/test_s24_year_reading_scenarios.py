"""浙江 and 北京 name no period for the deductible and cap; the natural year is the tool's reading
(A-YEAR-BY-SETTLEMENT-DATE), which the working cites on every deductible and cap step. That reading decides what was
counted before a settlement: a figure of the person's first settlement, nothing counted before it, is the article's
under any period, and a scenario failing there does not rest on the reading (probe s24 R F7: all 30 failures of a
system halving every deductible read as resting on it). A later settlement's figure, what the year counted before
it, does — within one natural year too (probe s24 X X2)."""
from __future__ import annotations

import dataclasses

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.report.causes import root_mismatch
from conform.harness.run import execute

YEAR = "A-YEAR-BY-SETTLEMENT-DATE"


class HalvedDeductible(ReferenceAdapter):
    """The reference, but every in-service deductible is the retiree's halved one (浙江 二（一）: zhejiang-example's
    在职 600 becomes 300): wrong at a person's very first settlement."""

    name = "halved-deductible"

    def prepare_person(self, subject):
        if subject.policy == "zhejiang":
            subject = dataclasses.replace(subject, params={**subject.params, "ordinary.deductible.in_service": "300.00"})
        return super().prepare_person(subject)


class DeductibleAgain(ReferenceAdapter):
    """The reference, but a person's later settlements answer the whole deductible charged again (what the year
    counted before them ignored): right at the first settlement, wrong after it."""

    name = "deductible-again"

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, int] = {}

    def settle(self, psn_no, settlement):
        out = super().settle(psn_no, settlement)
        self.seen[psn_no] = self.seen.get(psn_no, 0) + 1
        if self.seen[psn_no] > 1 and out.get("act_pay_dedc") == "0.00":
            return {**out, "act_pay_dedc": "600.00"}
        return out


def _failed(system: type) -> list:
    run, _ = execute(adapter=f"python:{__name__}:{system.__name__}", articles=("zhejiang-2.1",), tag="not conform_property")
    failed = [c for c in run.checks if c.status == "failed"]
    assert failed, [(c.name, c.status, c.message) for c in run.checks]
    return failed


def _root_item(c) -> str:
    return root_mismatch([{"item": m.item, "field": m.field} for m in c.mismatches])["item"]


def test_a_first_settlements_wrong_deductible_rests_on_the_article_not_the_year_reading():
    failed = _failed(HalvedDeductible)
    firsts = [c for c in failed if _root_item(c) == "V1"]
    assert firsts
    for c in firsts:
        assert YEAR not in (c.extra.get("rests_on") or []), (c.name, c.extra)
        assert "zhejiang-2.1" in c.failed_articles, (c.name, c.failed_articles)


def test_a_later_settlement_within_the_year_rests_on_the_year_reading():
    failed = _failed(DeductibleAgain)
    later = [c for c in failed if _root_item(c) != "V1"]
    assert later, [(c.name, [m.item for m in c.mismatches]) for c in failed]
    # a 2207 answering otherwise than its own 2206 on the same totals fails the comparison first, which rests on no
    # reading of the period (s29: whatever the year counted, the two answers of one visit agree)
    same_visit = [c for c in later if c.name.endswith("随后同一就诊的结算答复相同")]
    assert same_visit and all(YEAR not in (c.extra.get("rests_on") or []) for c in same_visit), \
        [(c.name, c.extra) for c in same_visit]
    later = [c for c in later if c not in same_visit]
    assert later and all(YEAR in (c.extra.get("rests_on") or []) for c in later), [(c.name, c.extra) for c in later]
