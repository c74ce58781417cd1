"""settlement_exact follows a chronic visit's part in the year's ordinary figures from the reference, not from the
system's answer (rvendor8 D7 outside the identities).

吉林 二（三）: the chronic deductible is counted together with the ordinary one. settlement_exact checks ordinary visits
exactly and used to add a chronic visit's act_pay_dedc as the system answered it to "此前已计": a chronic deductible
under-reported on V1 made V2's right deductible "应为" a figure worked from it. Now the reference's figure is followed;
where the system's differs, that visit is named first, with the reference's figure, and the later difference is
said to follow from it.

Figures by hand from 吉林 二（二）、二（三） with jilin-example (起付线 200 与门诊慢性病合并计算; 二级 55%; 限额 1500;
慢性病 70%): V1 2023-03-01 二级 门诊慢性病 M03900 150.00: 起付线 min(150, 200) = 150.00, (150 − 150) × 70% = 0.00;
V2 2023-04-01 二级 普通门诊 1000.00: 起付线 min(1000, 200 − 150 = 50) = 50.00, (1000 − 50) × 55% = 522.50 (under 1500).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.reference.case import Disease, Person, Settlement
from told_answers import Answers

JL = Setting("jilin", "jilin-example")
PERSON = Person("E1", "1101", birth_date=dt.date(1970, 5, 1), diseases=(Disease("M03900", "chronic"),))
YEAR = (Settlement("V1", dt.date(2023, 3, 1), "14", "secondary", Decimal("150.00"), dise_codg="M03900"),
        Settlement("V2", dt.date(2023, 4, 1), "11", "secondary", Decimal("1000.00")))


def _check(adapter) -> None:
    load()
    prop = PROPERTIES["settlement_exact"]
    prop.check(Context(adapter, "jilin", prop), PersonYear(JL, PERSON, YEAR))


def test_the_reference_itself_passes():
    _check(ReferenceAdapter())


def test_a_chronic_deductible_under_reported_does_not_make_the_next_right_ordinary_visit_wrong():
    # V1's deductible answered 100.00 (150.00 counted), V2 answered right (50.00, 522.50). Followed from V1's
    # answer, V2's deductible would be "min(1000.00, 200 − 100.00 = 100.00) = 100.00" and its right 50.00 blamed.
    _check(Answers({("V1", "act_pay_dedc"): "100.00"}))


def test_a_later_difference_names_the_chronic_visit_first_with_the_references_figure():
    # The system counted V1's 100.00 in its ledger too: V2's deductible 200 − 100 = 100.00 and its payment
    # (1000 − 100) × 55% = 495.00. V2's deductible is checked against 50.00 (the reference's 150.00 before it), and
    # V1 is named first, with the reference's 150.00: V2's difference may follow from it.
    with pytest.raises(PropertyViolation) as e:
        _check(Answers({("V1", "act_pay_dedc"): "100.00", ("V2", "act_pay_dedc"): "100.00",
                        ("V2", "hifp_pay"): "495.00"}))
    found = [(m.field, m.expected, m.actual, m.item) for m in e.value.mismatches]
    assert found[0] == ("act_pay_dedc", "150.00", "100.00", "V1"), found
    assert (found[1][0], found[1][2], found[1][3]) == ("act_pay_dedc", "100.00", "V2"), found
    assert "此前已计 150.00" in found[1][1] and found[1][1].endswith("= 50.00"), found[1]
    assert e.value.departure == "V1"
    assert "V1" in e.value.headline and "V2 的不符可能由此而来" in e.value.headline, e.value.headline
