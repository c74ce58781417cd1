"""A person record that contradicts itself, or is far too large to quote, is refused at its field with a bounded
message (conform.reference.case: the same parser reads `conform settle` cases and `conform audit` persons files).

吉林 jilin-example (fictitious): a disease's kind decides its route — 门诊慢性病 (二（三）) or 门诊特殊疾病 along
inpatient rules (二（四）) — so a code given under both kinds would settle by whichever came first.
"""
from __future__ import annotations

import pytest

from conform.reference.case import CaseError, parse_case


def _person(**fields):
    return {"policy": "jilin", "person": {"psn_no": "P", "psn_type": "1101", **fields}}


@pytest.mark.parametrize("kinds", [("chronic", "special"), ("special", "chronic")])
def test_a_disease_registered_under_two_kinds_is_refused_at_the_second(kinds):
    data = _person(chronic_diseases=[{"dise_codg": "M1", "kind": k} for k in kinds])
    with pytest.raises(CaseError) as e:
        parse_case(data)
    assert e.value.item == "person chronic_diseases[1]" and e.value.field == "kind"
    assert "M1" in str(e.value) and kinds[0] in str(e.value) and kinds[1] in str(e.value)


def test_the_same_disease_and_kind_twice_is_one_registration():
    case = parse_case(_person(chronic_diseases=[{"dise_codg": "M1", "kind": "chronic"}] * 2))
    assert {d.kind for d in case.person.diseases} == {"chronic"}


def test_unknown_fields_are_listed_a_few_at_a_time():
    data = _person(**{f"k{i:06d}": 1 for i in range(200_000)})
    with pytest.raises(CaseError) as e:
        parse_case(data)
    msg = str(e.value)
    assert len(msg) < 1000, len(msg)
    assert "k000000" in msg and "and 199995 more" in msg


def test_one_unknown_field_is_named_without_a_count():
    with pytest.raises(CaseError) as e:
        parse_case(_person(colour="red"))
    assert "unknown field(s) colour;" in str(e.value) and "more" not in str(e.value)


def test_a_retire_date_before_the_birth_date_is_refused():
    with pytest.raises(CaseError) as e:
        parse_case(_person(birth_date="1960-05-01", retire_date="1959-12-31"))
    assert e.value.field == "retire_date" and "1960-05-01" in str(e.value)


def test_a_retire_date_after_the_birth_date_is_kept():
    case = parse_case(_person(birth_date="1960-05-01", retire_date="2020-05-01"))
    assert str(case.person.retire_date) == "2020-05-01"


def test_a_hostile_psn_no_in_a_case_label_is_escaped():
    data = {"policy": "jilin", "person": {"psn_no": "B\x1b]0;pwn\x07X", "psn_type": "9999"}}
    with pytest.raises(CaseError) as e:
        parse_case(data)
    assert "\x1b" not in str(e.value) and "\\x1b" in str(e.value)
