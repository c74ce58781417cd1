"""Review s5 (D6, D7): an amount or ratio is ASCII digits in both profiles, and a number too long to read is
named by its field and its digits.

The platform profile read "１１５.００", "١١٥.٠٠" and "115.00\\n" as 115.00 (Decimal() and Python's `\\d`/`$`
take them; the published patterns are ECMA-262, where they do not match), so a system could be certified
with amounts a HIS cannot parse. A JSON number of 5001 digits was "got str" over http, and one of 100000
digits in the platform profile "cannot be read exactly (ValueError)", naming no field."""
from __future__ import annotations

import json
import re
from decimal import Decimal as D

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject, SutError, schema, wire
from conform.harness.adapters.http import AnswerError, read_answer
from conform.harness.adapters.platform import amounts
from conform.reference.case import parse_person

PERSON = parse_person({"psn_no": "T0001", "psn_type": "1101"}, "t")
NON_ASCII = ["１１５.００", "١١٥.٠٠", "११५.००", "115.00\n", " 115.00", "115.00 "]


def settle_with(name: str, value) -> dict:
    """The platform adapter settling one visit whose 2207 answer carries `value` as setlinfo.`name`."""
    def edit(env, answer):
        if env["infno"] == "2207":
            answer["output"]["setlinfo"][name] = value
        return answer

    a, _ = in_process(hooks=True, edit=edit)
    prepare(a, Subject("panzhihua", PERSON))
    return a.settle("T0001", visit("V1", "2023-03-01", "500.00"))


def test_the_untouched_answer_settles():
    assert settle_with("balc", "0.00")["hifp_pay"] == "150.00"   # (500 − 200) × 50%


@pytest.mark.parametrize("value", NON_ASCII)
def test_a_platform_amount_in_other_digits_or_with_white_space_is_the_wrong_type(value):
    with pytest.raises(SutError) as e:
        settle_with("hifp_pay", value)
    assert e.value.kind == "wrong_type" and "2207" in e.value.message
    assert "output.setlinfo.hifp_pay" in e.value.message


@pytest.mark.parametrize("value", ["０.５", "0.5\n", "٠.٥"])
def test_a_platform_ratio_in_other_digits_is_the_wrong_type(value):
    with pytest.raises(SutError) as e:
        settle_with("pool_prop_selfpay", value)
    assert e.value.kind == "wrong_type" and "output.setlinfo.pool_prop_selfpay" in e.value.message


@pytest.mark.parametrize("value", NON_ASCII + ["1e2", "+115", "115.", ".5", "NaN", "Infinity"])
def test_exact_reads_ascii_numeric_text_only(value):
    assert amounts.exact(value) is None and amounts.amount(value) is None


@pytest.mark.parametrize("value, expected", [("115.00", D("115.00")), ("-0.50", D("-0.50")), ("0.5000", D("0.5")),
                                             (115, D(115)), (D("115.5"), D("115.5"))])
def test_exact_still_reads_ascii_text_and_numbers(value, expected):
    assert amounts.exact(value) == expected


def test_the_published_patterns_are_ascii_and_end_at_the_end_of_the_text():
    text = open(schema.DESCRIPTION, encoding="utf-8").read()
    assert not re.search(r"pattern:.*\\\\d", text)           # ECMA-262 reads \d as [0-9]; Python's re does not
    for component, value in [("Amount", "115.00\n"), ("Amount", "１１５.００"), ("Ratio", "０.５"), ("Ratio", "0.5\n"),
                             ("PlatformAmount", "115.00\n"), ("PlatformAmount", "١١٥"), ("PlatformRatio", "０.５")]:
        bad = schema.validate(component, value)
        assert bad is not None and bad[0] == "wrong_type", (component, value)
    for component, value in [("Amount", "115.00"), ("Ratio", "0.5000"), ("PlatformAmount", "115.5"),
                             ("PlatformRatio", "0.5")]:
        assert schema.validate(component, value) is None, (component, value)


def test_a_platform_number_of_100000_digits_names_the_field_and_its_digits():
    with pytest.raises(SutError) as e:
        settle_with("hifp_pay", D("9" * 100_000))      # written as a JSON number (amounts.dumps)
    assert e.value.kind == "wrong_type"
    assert "output.setlinfo.hifp_pay" in e.value.message and "a JSON number of 100000 digits" in e.value.message
    assert len(e.value.message) < 600


def http_2207(hifp_pay: str) -> bytes:
    info = {"setl_id": "S1", **{f: "0.00" for f in wire.SETLINFO_FIELDS}, "pool_prop_selfpay": "0.5000"}
    text = json.dumps({"infcode": 0, "err_msg": "", "output": {"setlinfo": {**info, "hifp_pay": "HIFP"}}})
    return text.replace('"HIFP"', hifp_pay).encode()


@pytest.mark.parametrize("number, said", [("1" + "0" * 5000, "a JSON number of 5001 digits"),
                                          ("-" + "9" * 31, "a JSON number of 31 digits"),
                                          ("1e999", "a JSON number too large to read ('1e999')")])
def test_an_http_number_too_long_to_read_is_called_a_number_not_text(number, said):
    assert read_answer("2207", http_2207('"115.00"'))["hifp_pay"] == "115.00"
    with pytest.raises(AnswerError) as e:
        read_answer("2207", http_2207(number))
    assert e.value.kind == "wrong_type"
    assert "output.setlinfo.hifp_pay" in e.value.message and said in e.value.message
    assert "got str" not in e.value.message


def test_an_http_setl_id_given_as_a_long_number_is_not_text():
    body = http_2207('"115.00"').replace(b'"setl_id": "S1"', b'"setl_id": ' + b"7" * 40)
    with pytest.raises(AnswerError) as e:
        read_answer("2207", body)
    assert "output.setlinfo.setl_id" in e.value.message and "a JSON number of 40 digits" in e.value.message


def test_a_huge_int_is_described_by_its_digits_without_str():
    assert wire.got(10 ** 99_999) == "an int of 100000 digits"
    assert wire.got(-(10 ** 500 - 1)) == "an int of 500 digits"
    assert wire.got(115) == "int 115"
