"""A case whose person is born after one of its dates is refused at person.birth_date (conform settle, exit 2).

The probe's /work/s21/probeR/bj_2030-01-01.json: 北京, a retiree born 2030-01-01 credited for 2023-02..04; the engine
read the age as 2023 − 2030 = −7 (“2023-02月年满-7周岁”) and credited 100.00 a month. A retire_date before birth_date
was refused already; a settlement, an account use or a credit for a month before the month of birth is now refused as
well, naming the first such item. A credit in the month of birth (age 0) and a settlement on the birthday are taken.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conform.harness.cli import main

from conform.reference.case import CaseError, parse_case

BJ = {"policy": "beijing", "region": "beijing-example",
      "person": {"psn_no": "T1", "psn_type": "1201", "birth_date": "2030-01-01"},
      "account_credits": [{"month": "2023-02"}, {"month": "2023-03"}, {"month": "2023-04"}]}


def _settlement(day: str) -> dict:
    return {"id": "V1", "date": day, "med_type": "11", "facility": "secondary", "medfee_sumamt": "100.00"}


def test_a_credit_for_a_month_before_birth_is_refused_at_birth_date():
    with pytest.raises(CaseError) as e:
        parse_case(BJ)
    assert (e.value.item, e.value.field) == ("person", "birth_date")
    assert "2030-01-01 is after account_credits[0], for the month 2023-02" in e.value.detail


def test_a_settlement_before_birth_is_refused_and_one_on_the_birthday_taken():
    case = {"policy": "panzhihua", "person": {"psn_no": "T1", "psn_type": "1101", "birth_date": "2023-03-02"}}
    with pytest.raises(CaseError, match=r"2023-03-02 is after settlement V1, dated 2023-03-01") as e:
        parse_case({**case, "settlements": [_settlement("2023-03-01")]})
    assert e.value.field == "birth_date"
    assert parse_case({**case, "settlements": [_settlement("2023-03-02")]}).person.birth_date.isoformat() == "2023-03-02"


def test_a_credit_in_the_month_of_birth_is_taken():
    case = {**BJ, "person": {**BJ["person"], "birth_date": "2023-02-15"}}
    assert len(parse_case(case).credits) == 3


def test_conform_settle_exits_2_naming_the_field_without_a_traceback(tmp_path):
    f = tmp_path / "bj.json"
    f.write_text(json.dumps(BJ), encoding="utf-8")
    r = CliRunner().invoke(main, ["settle", str(f)])
    assert r.exit_code == 2 and (r.exception is None or isinstance(r.exception, SystemExit))  # no traceback
    assert "person, field birth_date: 2030-01-01 is after account_credits[0]" in r.output
