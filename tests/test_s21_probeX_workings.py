"""Property messages show the working of the step that failed (s21 probeX items 1-3).

Figures by hand from 吉林 二（二） with jilin-example (在职, 起付线 200, 二级 55%, 年度限额 1500):

1. V1 2023-03-01 二级 1000.01: 起付线 min(1000.01, 200) = 200.00; (1000.01 − 200) × 55% = 440.0055 → 440.01.
   V2 2023-04-01 二级 1927.26: 起付线 0.00; (1927.26 − 0) × 55% = 1059.993 → 1059.99; 限额余额 1500 − 440.01 =
   1059.99 → min(1059.99, 1059.99) = 1059.99. A system cutting the remainder to the yuan pays 1059.00: the message
   shows the cap step, not only the rounding (cap_left_whole_yuan).
2. V1 2023-03-01 二级 1000.00: 起付线 min(1000, 200) = 200.00, (1000 − 200) × 55% = 440.00. A system counting 300.00
   pays 440.00 over its own bound (1000 − 300) × 55% = 385.00: the deductible is named with its working.
3. V1 2023-03-01 二级 2800.00: (2800 − 200) × 55% = 1430.00; V2 2023-04-01 二级 200.00: 200 × 55% = 110.00 > 1500 −
   1430 = 70.00 → 70.00. A system refusing V2 (refuse_over_cap) is told the reference pays 70.00, with the cap step.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters import SettlementRefused
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.reference.case import Person, Settlement
from told_answers import Answers, found

JL = Setting("jilin", "jilin-example")
PERSON = Person("E1", "1101", birth_date=dt.date(1970, 5, 1))


def _visit(sid: str, day: dt.date, amount: str) -> Settlement:
    return Settlement(sid, day, "11", "secondary", Decimal(amount))


def _check(name: str, adapter, year: tuple) -> None:
    load()
    prop = PROPERTIES[name]
    prop.check(Context(adapter, "jilin", prop), PersonYear(JL, PERSON, year))


def test_cap_remainder_cut_to_the_yuan_shows_the_cap_step():
    year = (_visit("V1", dt.date(2023, 3, 1), "1000.01"), _visit("V2", dt.date(2023, 4, 1), "1927.26"))
    _check("settlement_exact", ReferenceAdapter(), year)  # the reference itself passes
    with pytest.raises(PropertyViolation) as e:
        _check("settlement_exact", Answers({("V2", "hifp_pay"): "1059.00"}), year)
    field, expected, actual, item = found(e.value)[0]
    assert (field, actual, item) == ("hifp_pay", "1059.00", "V2"), found(e.value)
    assert expected == ("min((1927.26 − 0.00) × 55% = 1059.993 → 四舍五入到分 1059.99, 年度限额 1500.00 − 此前已支付 "
                        "440.01 = 1059.99) = 1059.99"), expected


def test_a_payment_off_by_rounding_alone_does_not_show_the_cap():
    # V1 alone: ratio part 440.01, remainder 1500.00 − 0.00 = 1500.00, far above it: a payment a fen short is shown
    # with its rounding only, no cap step
    year = (_visit("V1", dt.date(2023, 3, 1), "1000.01"),)
    with pytest.raises(PropertyViolation) as e:
        _check("settlement_exact", Answers({("V1", "hifp_pay"): "440.00"}), year)
    assert found(e.value)[0][1] == "(1000.01 − 200.00) × 55% = 440.0055 → 四舍五入到分 440.01", found(e.value)


def test_a_deductible_over_the_bound_is_named_with_its_working():
    year = (_visit("V1", dt.date(2023, 3, 1), "1000.00"),)
    with pytest.raises(PropertyViolation) as e:
        _check("settlement_ratio_bound", Answers({("V1", "act_pay_dedc"): "300.00"}), year)
    field, expected, actual, item = found(e.value)[0]
    assert (field, actual, item) == ("act_pay_dedc", "300.00", "V1"), found(e.value)
    assert "此前已累计0.00元" in expected and expected.endswith("min(1000.00, 200.00) = 200.00元"), expected


class RefusesOverCap(ReferenceAdapter):
    def settle(self, psn_no, settlement):
        if settlement.id == "V2":
            raise SettlementRefused("2207: 本次统筹支付110.00元超过年度最高支付限额余额，拒绝结算")
        return super().settle(psn_no, settlement)


def test_a_refusal_says_what_the_reference_pays_and_its_cap_step():
    year = (_visit("V1", dt.date(2023, 3, 1), "2800.00"), _visit("V2", dt.date(2023, 4, 1), "200.00"))
    with pytest.raises(PropertyViolation) as e:
        _check("settlement_exact", RefusesOverCap(), year)
    field, expected, actual, item = found(e.value)[0]
    assert (field, item) == ("infcode", "V2"), found(e.value)
    assert expected.startswith("0（结算成功；参考实现统筹基金支付 70.00：年度限额1500.00元，此前已支付1430.00元"), expected
    assert expected.endswith("min(110.00, 70.00) = 70.00元）"), expected


def test_a_drawn_region_deductible_is_named_with_its_key():
    # 浙江 二（一）with the drawn odd-fen in-service deductible 600.01 (generators._half_fen_setting, A-ZJ-HALF-FEN):
    # V1 2023-03-01 二级 1000.00: 起付线 min(1000.00, 600.01) = 600.01. A system answering 600.00 and paying leaves
    # 0.01 of the deductible unspent; the expected 600.01 is told to come from the drawn parameter and its key.
    from conform.harness.generators import _half_fen_setting

    setting = _half_fen_setting("zhejiang-example")
    assert ("ordinary.deductible.in_service", "600.01") in setting.params
    load()
    prop = PROPERTIES["deductible"]
    py = PersonYear(setting, PERSON, (_visit("V1", dt.date(2023, 3, 1), "1000.00"),))
    with pytest.raises(PropertyViolation) as e:
        prop.check(Context(Answers({("V1", "act_pay_dedc"): "600.00"}), "zhejiang", prop), py)
    field, expected, actual, item = found(e.value)[0]
    assert (field, actual, item) == ("act_pay_dedc", "600.00", "V1"), found(e.value)
    assert "min(1000.00, 600.01) = 600.01元" in expected, expected
    assert expected.endswith("（本例抽取的地区参数 ordinary.deductible.in_service = 600.01）"), expected
