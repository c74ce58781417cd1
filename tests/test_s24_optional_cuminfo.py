"""A 5206 answer may leave out its optional chronic_dedc / chronic_pay, or give them as null (connect-your-system.md
§2's cuminfo table: required "no"; openapi.yaml: "left out or given as JSON null: both count as absent"): the year's
chronic totals are then not reported, so the differential property does not compare them (probeT F2). A system that
does report them is still held to the reference's, and the mismatch shows amounts as two-decimal figures.

攀枝花 with panzhihua-example's values for the registered chronic disease M00500 (第十条 leaves them to the city):
V1 2023-03-01, 1000.00 → chronic deductible 300.00, (1000.00 − 300.00) × 80% = 560.00 chronic pay, so the year's
totals are chronic_dedc {"M00500": "300.00"}, chronic_pay {"M00500": "560.00"}.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from conform.harness.adapters import wire
from conform.harness.adapters.base import Subject
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import PersonYear, Setting
from conform.harness.properties.base import PROPERTIES, Context, PropertyViolation
from conform.harness.properties.differential import differential
from conform.reference.case import Disease, Person, Settlement

SETTING = Setting("panzhihua", "panzhihua-example")
PERSON = Person(psn_no="P1", psn_type="1101", diseases=(Disease("M00500", "chronic"),))
V1 = Settlement("V1", dt.date(2023, 3, 1), "14", "secondary", Decimal("1000.00"), dise_codg="M00500")
DROP, NULL = object(), object()


class OverTheWire(ReferenceAdapter):
    """The reference, its 5206 answers read back through the wire reader (as the http adapter and a python: plugin
    read them), with chronic_dedc / chronic_pay left out (DROP), null (NULL) or replaced by a mapping."""

    def __init__(self, chronic=DROP) -> None:
        super().__init__()
        self.chronic = chronic

    def query_ytd(self, psn_no, year):
        cum = json.loads(json.dumps(dict(super().query_ytd(psn_no, year)), default=str))
        cum.pop("year", None)
        for name in ("chronic_dedc", "chronic_pay"):
            if self.chronic is DROP:
                cum.pop(name, None)
            else:
                cum[name] = None if self.chronic is NULL else self.chronic
        return wire.read_cuminfo({"cuminfo": cum}, year)


def _differential(adapter) -> None:
    differential(Context(adapter, "panzhihua", PROPERTIES["differential"]), PersonYear(SETTING, PERSON, (V1,)))


def test_the_year_counts_a_chronic_deductible_the_reference_reports():
    ref = ReferenceAdapter()
    ref.prepare_person(Subject("panzhihua", PERSON, SETTING.region, SETTING.param_dict))
    ref.settle("P1", V1)
    ytd = ref.query_ytd("P1", 2023)
    assert (ytd["chronic_dedc"], ytd["chronic_pay"]) == ({"M00500": "300.00"}, {"M00500": "560.00"})


@pytest.mark.parametrize("chronic", [DROP, NULL], ids=["left out", "null"])
def test_an_answer_without_the_optional_chronic_totals_is_not_compared_on_them(chronic):
    _differential(OverTheWire(chronic))  # no PropertyViolation


@pytest.mark.parametrize("chronic", [DROP, NULL], ids=["left out", "null"])
def test_the_wire_reader_keeps_an_absent_chronic_total_out(chronic):
    out = wire.read_cuminfo({"cuminfo": {"ordinary_dedc": "0.00", "ordinary_pay": "0.00", "inpatient_pay": "0.00",
                                         "special_dedc": "0.00",
                                         **({} if chronic is DROP else {"chronic_dedc": None, "chronic_pay": None})}},
                            2023)
    assert "chronic_dedc" not in out and "chronic_pay" not in out


def test_an_empty_object_reports_none_and_is_compared():
    """`{}` is an answer: nothing counted for any disease, which is wrong where the reference counted some."""
    with pytest.raises(PropertyViolation) as e:
        _differential(OverTheWire({}))
    wrong = {m.field: m for m in e.value.mismatches}
    assert set(wrong) >= {"chronic_dedc"}
    m = wrong["chronic_dedc"]
    assert (m.expected, m.actual) == ("M00500 300.00", "0.00")


def test_a_wrong_reported_chronic_total_shows_two_decimal_amounts():
    with pytest.raises(PropertyViolation) as e:
        _differential(OverTheWire({"M00500": "1.00"}))
    m = {m.field: m for m in e.value.mismatches}["chronic_dedc"]
    assert (m.expected, m.actual) == ("M00500 300.00", "M00500 1.00")
