"""After a refused credit the credit checks judge the month just asked for, not the last month credited: a
check of February's 57.00 must not pass for a refused March, and `个人账户计入 0.00 元，或被拒绝` accepts the
refusal (closing review s6)."""
from __future__ import annotations

import pytest

from conform.harness.adapters.base import SettlementRefused
from conform.harness.plugin import MismatchError
from conform.harness.steps.library import then_credit, then_credit_or_refused
from conform.harness.steps.world import World


class _Adapter:
    name = "stub"

    def __init__(self):
        self.answers = {"2023-02": {"amount": "57.00"}}

    def require(self, op):
        pass

    def credit_month(self, psn_no, req):
        if req.month not in self.answers:
            raise SettlementRefused("本月不计入")
        return self.answers[req.month]


def _world() -> World:
    w = World(adapter=_Adapter())
    w.oracle = None  # the stub alone: no reference beside it
    w.ensure_person = lambda: None
    return w


def test_a_refused_month_is_the_one_judged():
    w = _world()
    w.credit("2023-02", None, None)
    w.credit("2023-03", None, None, expect_refusal=True)
    with pytest.raises(MismatchError):
        then_credit(w, "57.00")  # March was refused: February's 57.00 says nothing of it
    then_credit_or_refused(w, "0.00")  # the refusal is an answer this step accepts
    then_credit(w, "57.00", "2023-02")  # February, named, still reads as credited
