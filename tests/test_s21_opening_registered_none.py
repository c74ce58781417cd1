"""An opening chronic total for a person whose chronic_diseases is given as [] (registered: none) is refused at its
field, as for a list naming other diseases; left out, the field keeps the reading that the code may be settled.

`[]` was read as "not given" (a falsy tuple): the opening total was kept, and a cap or deductible it stood for was
read by no settlement (every chronic settlement of a person registered for none is refused, case.Person.
diseases_given). Figures as in test_close3_opening_unregistered (攀枝花, panzhihua-example).
"""
from __future__ import annotations

import pytest

from conform.reference.benefits import OpeningRefused
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

V_ORD = {"id": "V1", "date": "2023-03-01", "med_type": "11", "facility": "secondary", "medfee_sumamt": "500.00"}


def _ledger(person_extra: dict):
    person = {"psn_no": "K", "psn_type": "1101", "ytd": {"year": 2023, "chronic_pay": {"M03900": "100.00"}},
              **person_extra}
    c = parse_case({"policy": "panzhihua", "person": person, "settlements": [V_ORD]})
    ledger = PersonLedger(bind(c.policy, "panzhihua-example", None), c.person)
    return [ledger.settle(s) for s in c.items]


def test_registered_none_refuses_a_chronic_opening_total():
    with pytest.raises(OpeningRefused) as e:
        _ledger({"chronic_diseases": []})
    assert e.value.field == "chronic_pay.M03900", e.value.field
    assert "not among the diseases registered for the person" in str(e.value), str(e.value)


def test_left_out_the_code_is_kept_where_the_region_settles_it():
    # M03900 has figures in panzhihua-example (第九条 两病): kept; the ordinary visit reads none of it:
    # (500.00 − 200.00) × 60% = 180.00 (第七条, 二级 在职)
    (r,) = _ledger({})
    assert str(r.hifp_pay) == "180.00"
