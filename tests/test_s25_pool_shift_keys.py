"""Platform pool mode (no settle_as_of hook) settles a scenario's visit today and proves the move harmless by settling the
reference both ways. A visit before 北京's rules (2022-03-05, before the 2022-03-06 issue) carries acct_undetermined at
its own date and not today: the check must be not applicable with the reason, not a harness KeyError (probe s25 ZR P1)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conform.harness.adapters.platform.pool import Inapplicable, Shift
from conform.harness.adapters.base import Subject
from conform.reference.case import Person, Settlement


def test_a_figure_present_at_the_scenario_date_only_gives_the_reason_not_a_key_error():
    shift = Shift(today=dt.date(2024, 6, 3))
    person = Person(psn_no="P1", psn_type="1101")
    shift.begin(Subject("beijing", person, "beijing-example", {}))
    s = Settlement(id="V1", date=dt.date(2022, 3, 5), med_type="11", facility="tertiary",
                   medfee_sumamt=Decimal("2800.00"))
    with pytest.raises(Inapplicable) as e:
        shift.settle("platform", s, commit=True)
    assert "规则随日期不同" in str(e.value) and "today" in str(e.value)
