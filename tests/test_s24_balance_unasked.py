"""The platform profile's 1101 is optional ("if declared"); without it the account balance is never asked, and a
scenario checking the balance failed as "未返回 missing" though the system was never asked (probe s24 Y F1). An
answer saying the balance was not asked (BALANCE_UNASKED) makes such a scenario not applicable, with that reason;
a balance asked and missing still fails."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from conform.harness.adapters import NotApplicable
from conform.harness.adapters.base import BALANCE_UNASKED
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.steps.library import then_balance
from conform.harness.steps.world import World

WHY = "1101 is not in [adapter.platform] transactions, so the account balance was never asked"


class NoBalance(ReferenceAdapter):
    """The reference, its year-to-date answers without the balance; `unasked`: saying it was never asked."""

    name = "no-balance"

    def __init__(self, unasked: bool) -> None:
        super().__init__()
        self.unasked = unasked

    def query_ytd(self, psn_no, year):
        out = {k: v for k, v in super().query_ytd(psn_no, year).items() if k != "acct_balance"}
        return {**out, BALANCE_UNASKED: WHY} if self.unasked else out


def _world(unasked: bool) -> World:
    w = World(NoBalance(unasked))
    w.policy = "panzhihua"
    w.set_person(psn_no="S24B0001", psn_type="1101", acct_balance="300.00", has_account="1")
    return w


def test_a_balance_never_asked_is_not_applicable_with_the_reason():
    with pytest.raises(NotApplicable) as e:
        then_balance(_world(True), SimpleNamespace(node=SimpleNamespace(user_properties=[])), "300.00")
    assert WHY in str(e.value) and "个人账户余额" in str(e.value)


def test_a_balance_asked_and_missing_still_fails():
    with pytest.raises(MismatchError) as e:
        then_balance(_world(False), SimpleNamespace(node=SimpleNamespace(user_properties=[])), "300.00")
    assert [(m.field, m.expected) for m in e.value.mismatches] == [("acct_balance", "300.00")]
