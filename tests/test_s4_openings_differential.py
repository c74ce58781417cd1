"""The differential property does not compare the account's part where the reference leaves it undetermined.

浙江 二（三）“2023年起开始实施改革”: before the account reform what the account pays is not this document's
(A-BEFORE-VALIDITY); the reference's settlement then carries `acct_undetermined` with acct_pay "0.00" and
psn_cash_pay = 个人负担 as placeholders (null in `conform settle`). A system paying from the account by its
earlier rules is within the text, so those two fields are not compared — the rest still are.

zhejiang-example with the city's valid_from 2022-07-01 (三（二）): deductible 600, 三级 50%, opening balance 500.00.
  V1 2022-09-01 三级 1000.00: fund (1000 − 600) × 50% = 200.00, 个人负担 800.00; the account's part undetermined.
  A system paying by its earlier rules: acct_pay 500.00 (the balance), psn_cash_pay 800.00 − 500.00 = 300.00.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.base import Subject
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.properties.differential import differential
from conform.reference.case import Person, Settlement

SETTING = Setting("zhejiang", "zhejiang-example", (("valid_from", "2022-07-01"),))
PERSON = Person(psn_no="Z1", psn_type="1101", acct_balance=Decimal("500.00"))
V1 = Settlement("V1", dt.date(2022, 9, 1), "11", "tertiary", Decimal("1000.00"))


class PaysByEarlierRules(ReferenceAdapter):
    """The reference, but before the reform the account pays 个人负担 up to the balance (500.00 here);
    `fund` adds to hifp_pay, to show a real difference is still found."""

    def __init__(self, fund: str = "0.00") -> None:
        super().__init__()
        self.fund = Decimal(fund)

    def settle(self, psn_no, settlement):
        out = dict(super().settle(psn_no, settlement))
        if "acct_undetermined" in out:
            out.pop("acct_undetermined")
            acct = min(Decimal(out["psn_part_amt"]), Decimal("500.00"))
            out["acct_pay"] = f"{acct:.2f}"
            out["psn_cash_pay"] = f"{Decimal(out['psn_part_amt']) - acct:.2f}"
            out["hifp_pay"] = f"{Decimal(out['hifp_pay']) + self.fund:.2f}"
        return out


def _differential(adapter) -> None:
    ctx = Context(adapter, "zhejiang", PROPERTIES["differential"])
    differential(ctx, PersonYear(SETTING, PERSON, (V1,)))


def test_the_reference_leaves_the_account_part_of_this_settlement_undetermined():
    ref = ReferenceAdapter()
    ref.prepare_person(Subject("zhejiang", PERSON, SETTING.region, SETTING.param_dict))
    out = ref.settle("Z1", V1)
    assert (out["hifp_pay"], out["psn_part_amt"]) == ("200.00", "800.00")
    assert (out["acct_pay"], out["psn_cash_pay"]) == ("0.00", "800.00") and out["acct_undetermined"]


def test_a_system_paying_the_account_by_its_earlier_rules_is_not_a_difference():
    _differential(PaysByEarlierRules())  # acct_pay 500.00 / psn_cash_pay 300.00 against the placeholders


def test_the_other_figures_of_such_a_settlement_are_still_compared():
    with pytest.raises(PropertyViolation) as e:
        _differential(PaysByEarlierRules(fund="1.00"))  # hifp_pay 201.00, not 200.00
    assert {m.field for m in e.value.mismatches} == {"hifp_pay"}
