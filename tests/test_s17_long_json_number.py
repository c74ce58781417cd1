"""A JSON number of more than 4,300 digits in a case file (conform/reference/loading.py `_int`): Python's int
conversion stops there with its own words ("Exceeds the limit (4300 digits) for integer string conversion"), which
reached the user as "malformed JSON after line 1 column 1", naming no case or field. Past 4,000 digits the number
is kept as an exact Decimal, so the field's own check refuses it, as it does a number of 4,300 digits."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conform.harness.cli import main
from conform.reference.loading import load_json


def _case(digits: int) -> str:
    case = {"policy": "panzhihua", "person": {"psn_no": "T0001", "psn_type": "1101"},
            "settlements": [{"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "tertiary",
                             "medfee_sumamt": "N", "fulamt_ownpay_amt": "50.00", "overlmt_selfpay": "0.00",
                             "preselfpay_amt": "20.00"}]}
    return json.dumps(case).replace('"N"', "1" * digits)


@pytest.mark.parametrize("digits", [4300, 4301, 20000])
def test_a_number_past_pythons_int_limit_is_too_large_for_its_field(tmp_path, digits):
    path = tmp_path / "case.json"
    path.write_text(_case(digits), encoding="utf-8")
    r = CliRunner().invoke(main, ["settle", "--no-trace", str(path)])
    assert r.exit_code == 2, r.output
    assert "case 0 (T0001), settlement V1, field medfee_sumamt: too large to be an amount" in r.output, r.output
    assert "integer string conversion" not in r.output and "Traceback" not in r.output


def test_ordinary_integers_stay_ints_and_long_ones_exact():
    value = load_json('{"a": 12, "b": ' + "9" * 4001 + "}")
    assert value["a"] == 12 and type(value["a"]) is int
    assert str(value["b"]) == "9" * 4001
