"""Which named readings a failing figure rests on (probe s25 Z3, F1, F4, F5 and F6's blame).

- F1: a month's credit many yuan off (南昌 retirees at 2% for 四（三）1's 2.5%: 75.00 → 60.00) does not rest on
  A-ACCOUNT-MONTH's rounding to the fen; a credit a fen off does; a refused second credit in a month keeps it.
- F4: 吉林 二(五): an emergency after the inpatient cap is spent, expected 0.00 and paid 960.00, is the cap step's
  (住院比例和限额, 吉林 二(五)), not the emergency deductible reading's (A-JL-EMERGENCY-DEDUCTIBLE).
- F5: a property failing on a person's first settlement (nothing counted before it) does not rest on 浙江's year
  reading (A-YEAR-BY-SETTLEMENT-DATE), as a scenario's does not (plugin._blame_scenario `fresh`).
- F6: a ledger's balance expected with what a 2208 gave back to the account rests on A-REVERSAL (no text says a
  reversal refunds the account); a balance no reversal refunded does not.
Traces are the reference's own, copied from the probe's runs; the ledger is driven step by step on an in-process
twin of the reference (as tests/test_s8_implT_identities.py does).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation, Settle, mismatch
from conform.harness.properties.runner import _without_fresh_year
from conform.harness.report.causes import _step, blame
from conform.reference.case import Person, Settlement

# ----------------------------------------------------------------------------------------------- F1: credits

CREDIT = [{"step": "退休人员定额", "detail": "全省基本养老金平均水平3000.00元 × 2.5% = 75.00元",
           "clause": "南昌 四（三）1；A-ACCOUNT-MONTH", "value": "75.00", "rounded": False, "rounding_unit": "0.01"}]


def _credit(expected: str, actual: str, field: str = "amount") -> dict:
    return {"field": field, "expected": expected, "actual": actual, "item": "2024-03", "label": "个人账户计入"}


def test_a_credit_many_yuan_off_is_a_plain_breach_of_the_rate():
    m = _credit("75.00", "60.00")
    assert _step(m, CREDIT) == ("退休人员定额", "南昌 四（三）1")
    assert blame([m], {"": CREDIT}, "nanchang") == (["nanchang-4.3.1"], [])


def test_a_credit_a_fen_off_keeps_the_rounding_reading():
    m = _credit("74.65", "74.64")
    trace = [{**CREDIT[0], "value": "74.65", "rounded": True, "rounded_from": "74.645"}]
    assert _step(m, trace)[1].split("；") == ["南昌 四（三）1", "A-ACCOUNT-MONTH"]
    assert blame([m], {"": trace}, "nanchang") == (["nanchang-4.3.1"], ["A-ACCOUNT-MONTH"])


def test_a_refused_second_credit_of_a_month_keeps_the_once_a_month_reading():
    m = _credit("拒绝计入（每月一笔）", "0（计入成功）", "infcode")
    trace = [{"step": "个人账户计入", "detail": "2024-03 已计入，每月一笔", "clause": "A-ACCOUNT-MONTH"}]
    assert "A-ACCOUNT-MONTH" in _step(m, trace)[1]


# ----------------------------------------------------------------------------------------------- F4: 吉林 二(五)


def _emergency(before: str, paid: str) -> list[dict]:
    return [
        {"step": "政策范围内费用", "detail": "2000.00 − 全自费0.00 − 超限价0.00 − 先行自付0.00 = 2000.00元",
         "clause": "国家医保平台结算口径", "value": "2000.00"},
        {"step": "待遇路径", "detail": "急诊参照住院待遇政策，计入住院年度最高支付限额，不占普通门诊统筹限额",
         "clause": "吉林 二(五)", "decides": True},
        {"step": "起付线（参照住院）", "detail": "三级定点医疗机构住院起付标准800.00元，按一次住院计算，本次计入800.00元",
         "clause": "吉林 二(五)；A-JL-EMERGENCY-DEDUCTIBLE", "value": "800.00"},
        {"step": "住院比例和限额",
         "detail": f"(2000.00 − 800.00) × 80% = 960.00元；住院年度限额150000.00元（合并计算），此前已支付{before}元，"
                   f"本次支付{paid}元", "clause": "吉林 二(五)", "value": paid, "rounded": False, "rounding_unit": "0.01"},
        {"step": "个人账户支付", "detail": "个人账户余额未知，不从账户支付，账户支付0.00元", "clause": "A-ACCOUNT-SELFPAY",
         "value": "0.00"},
    ]


def _paid(expected: str) -> dict:
    return {"field": "inpatient_pay", "expected": expected, "actual": "960.00", "item": "V1", "label": "住院统筹支付"}


def test_an_emergency_after_the_cap_is_spent_is_the_cap_steps_not_the_deductible_readings():
    trace = _emergency("150000.00", "0.00")
    assert _step(_paid("0.00"), trace) == ("住院比例和限额", "吉林 二(五)")
    assert blame([_paid("0.00")], {"": trace}, "jilin") == (["jilin-2.5"], [])


def test_the_same_step_as_the_row_with_cap_left():
    # 149800.00 paid before: 200.00 left, shown by the cap step — the row with the cap spent is put at the same step,
    # so the two are one cause
    assert _step(_paid("200.00"), _emergency("149800.00", "200.00"))[0] == \
        _step(_paid("0.00"), _emergency("150000.00", "0.00"))[0] == "住院比例和限额"


def test_a_zero_whose_working_pays_nothing_is_not_put_at_that_step():
    # a step whose own product is 0.00 ((800.00 − 800.00) × 80%) was not capped: nothing to place there
    trace = _emergency("0.00", "0.00")
    trace[3] = {**trace[3], "detail": "(800.00 − 800.00) × 80% = 0.00元；住院年度限额150000.00元（合并计算），此前已支付0.00元，"
                                     "本次支付0.00元"}
    assert _step(_paid("0.00"), trace)[0] != "住院比例和限额"


# ----------------------------------------------------------------------------------------------- F5: first visit

YEAR = "A-YEAR-BY-SETTLEMENT-DATE"


def _violation(item: str, ops: list, ytd=None) -> SimpleNamespace:
    story = SimpleNamespace(ops=ops, person=SimpleNamespace(ytd=ytd))
    return SimpleNamespace(mismatches=[mismatch("act_pay_dedc", "300.01", "300.00", item)], stories=[story])


def _visits(*ids: str) -> list:
    return [Settle(SimpleNamespace(id=i)) for i in ids]


def test_a_first_settlement_does_not_rest_on_the_year_reading():
    named = ["A-ZJ-HALF-FEN", YEAR]
    assert _without_fresh_year(_violation("V1", _visits("V1", "V2")), "zhejiang", named) == ["A-ZJ-HALF-FEN"]


def test_a_later_settlement_or_one_with_opening_totals_keeps_it():
    named = ["A-ZJ-HALF-FEN", YEAR]
    assert _without_fresh_year(_violation("V2", _visits("V1", "V2")), "zhejiang", named) == named
    opening = SimpleNamespace(ordinary_dedc=Decimal("100.00"))
    assert _without_fresh_year(_violation("V1", _visits("V1"), opening), "zhejiang", named) == named


# ----------------------------------------------------------------------------------------------- F6: the refund

BJ = Setting("beijing", "beijing-example")


class NoAccountRefund(ReferenceAdapter):
    """The reference, but a 2208 gives the account's part back in cash: the balance it answers after a reversal stays
    short by that part (mutant z_reversal_prior_month_no_acct_refund)."""

    def __init__(self) -> None:
        super().__init__()
        self.paid: dict[tuple[str, str], Decimal] = {}
        self.kept: dict[str, Decimal] = {}

    def settle(self, psn_no, settlement):
        out = super().settle(psn_no, settlement)
        self.paid[(psn_no, settlement.id)] = Decimal(str(out["acct_pay"]))
        return out

    def reverse(self, psn_no, setl_id):
        out = super().reverse(psn_no, setl_id)
        self.kept[psn_no] = self.kept.get(psn_no, Decimal(0)) + self.paid.get((psn_no, setl_id), Decimal(0))
        return out

    def query_ytd(self, psn_no, year):
        out = dict(super().query_ytd(psn_no, year))
        if out.get("acct_balance") is not None:
            out["acct_balance"] = str(Decimal(str(out["acct_balance"])) - self.kept.get(psn_no, Decimal(0)))
        return out


class NoDebit(ReferenceAdapter):
    """The reference, but its balance is answered 1.00 high: no reversal has anything to do with it."""

    def query_ytd(self, psn_no, year):
        out = dict(super().query_ytd(psn_no, year))
        if out.get("acct_balance") is not None:
            out["acct_balance"] = str(Decimal(str(out["acct_balance"])) + 1)
        return out


def _ledger(adapter) -> object:
    load()
    machine = PROPERTIES["stateful_ledger"].machine(Context(adapter, "beijing", PROPERTIES["stateful_ledger"]))()
    machine.start(setting=BJ, psn_type="1101", traits=0, balance=100_000, year=2023, day=0)
    machine.settle(seed=0)
    return machine


def test_a_ledger_balance_after_a_reversal_refunding_the_account_rests_on_the_reversal_reading():
    machine = _ledger(NoAccountRefund())
    [visit] = machine.story.settlements
    paid = machine.standing[visit.id][1]["acct_pay"]
    assert Decimal(paid) > 0, paid  # the account paid part of the visit: a reversal gives it back
    machine.reverse(SimpleNamespace(draw=lambda *a, **k: visit.id))
    with pytest.raises(PropertyViolation) as e:
        machine.totals_are_the_standing_settlements()
    # the system answers the balance short by the account part it paid in cash: 1000.00 − that part
    [m] = e.value.mismatches
    assert (m.field, m.expected, Decimal(m.actual)) == ("acct_balance", "1000.00", Decimal("1000.00") - Decimal(paid))
    assert list(e.value.readings) == ["A-REVERSAL"], e.value.readings


def test_a_ledger_balance_off_with_no_refund_does_not_rest_on_the_reversal_reading():
    machine = _ledger(NoDebit())
    with pytest.raises(PropertyViolation) as e:
        machine.totals_are_the_standing_settlements()
    assert [m.field for m in e.value.mismatches] == ["acct_balance"]
    assert "A-REVERSAL" not in e.value.readings


def test_the_differential_balance_after_a_refunding_reversal_rests_on_the_reversal_reading():
    load()
    person = Person("T6", "1101", birth_date=dt.date(1980, 5, 1), acct_balance=Decimal("1000.00"))
    items = (Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("2800.00")),
             Settlement("V2", dt.date(2023, 4, 2), "11", "secondary", Decimal("50.00")))
    py = PersonYear(BJ, person, items, reversals=(("V1", "V2"),))
    with pytest.raises(PropertyViolation) as e:
        PROPERTIES["differential"].check(Context(NoAccountRefund(), "beijing", PROPERTIES["differential"]), py)
    assert [m.field for m in e.value.mismatches] == ["acct_balance"], e.value.mismatches
    assert list(e.value.readings) == ["A-REVERSAL"], e.value.readings
