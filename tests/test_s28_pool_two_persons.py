"""Without the person_reset hook a check that prepares two persons before settling either (persons_apart) must not get
one pool person twice: a pool person prepared and not yet used by any operation is not handed out again; with no other
matching pool person the second prepare is not applicable, with the reason, never a failure (s28 probeR R1; docs
connect-your-system.md §8.5 "reported not applicable, with the reason — never failed")."""
from __future__ import annotations

import datetime as dt

import pytest
from test_platform_units import in_process, prepare, visit

from conform.harness.adapters import Subject
from conform.harness.adapters.platform.pool import Inapplicable
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, Context
from conform.reference.case import Person, parse_person


def person(psn: str):
    return parse_person({"psn_no": psn, "psn_type": "1101"}, "t")


def test_a_second_person_prepared_before_the_first_is_used_gets_no_shared_pool_person():
    a, _ = in_process(hooks=False)
    prepare(a, Subject("panzhihua", person("HP-1A")))
    assert a._scenarios["HP-1A"].system_psn == "PPANN1101"       # the one matching pool person
    with pytest.raises(Inapplicable) as e:
        a.prepare_person(Subject("panzhihua", person("HP-1B")))
    assert "PPANN1101" in e.value.reason and "HP-1A" in e.value.reason and "person_reset" in e.value.reason
    assert a._scenarios["HP-1A"].system_psn == "PPANN1101"       # the first keeps it


def test_with_a_second_matching_pool_person_each_gets_its_own():
    extra = {"psn_no": "PPANE1101", "policy": "panzhihua", "psn_type": "1101",   # declared as a second such person
             "mdtrt_cert_no": "990000199001010005"}
    a, _ = in_process(hooks=False, pool=[{"psn_no": "PPANN1101", "policy": "panzhihua", "psn_type": "1101",
                                          "mdtrt_cert_no": "990000199001010001"}, extra])
    prepare(a, Subject("panzhihua", person("HP-1A")))
    prepare(a, Subject("panzhihua", person("HP-1B")))
    assert {a._scenarios[p].system_psn for p in ("HP-1A", "HP-1B")} == {"PPANN1101", "PPANE1101"}


def test_once_used_the_pool_person_goes_to_the_next_scenario_as_before():
    a, sent = in_process(hooks=False)
    prepare(a, Subject("panzhihua", person("HP-1A")))
    year = dt.date.today().year
    # 攀枝花 第七条, today at a tertiary institution: deductible 200, (500 − 200) × 50% = 150
    assert a.settle("HP-1A", visit("V1", f"{year}-01-02", "500.00"))["hifp_pay"] == "150.00"
    prepare(a, Subject("panzhihua", person("HP-2")))             # the next scenario: V1 reversed first, then 5206
    assert [e["infno"] for e in sent][-2:] == ["2208", "5206"]
    assert a._scenarios["HP-2"].system_psn == "PPANN1101"


def test_the_same_person_prepared_again_takes_its_pool_person_again():
    a, _ = in_process(hooks=False)
    prepare(a, Subject("panzhihua", person("HP-1A")))
    prepare(a, Subject("panzhihua", person("HP-1A")))             # a new example re-using the id
    assert a._scenarios["HP-1A"].system_psn == "PPANN1101"


def test_persons_apart_on_a_pool_is_not_applicable_never_failed():
    """probeR's reproducer: two 1101 persons matching the one pool person, one 1000.00 三级 visit each."""
    def year(psn):
        today = dt.date.today()
        v = visit("V1", f"{today.year}-01-02", "1000.00")
        return PersonYear(Setting("panzhihua"), Person(psn, "1101"), (v,))
    load()
    prop = PROPERTIES["persons_apart"]
    a, _ = in_process(hooks=False)
    with pytest.raises(Inapplicable) as e:
        prop.check(Context(a, "panzhihua", prop), (year("A"), year("B")))
    assert "PPANN1101" in e.value.reason
