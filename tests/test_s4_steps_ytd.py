"""Opening year-to-date chronic totals per disease code (the 假如 … 已累计慢特病统筹支付（病种 "…"） step).

A scenario could state the opening ordinary and inpatient totals but not the chronic ones, kept per disease
(person ytd.chronic_pay / chronic_dedc), so 吉林's keying of them under the shared cap
(A-JL-CHRONIC-YTD-BUCKET) went untested. The vocabulary names them; the step (library.given_ytd) reads
them with the disease code."""
from __future__ import annotations

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.steps import library
from conform.harness.steps.vocabulary import YTD_DISEASE_FIELDS, YTD_FIELDS
from conform.harness.steps.world import ScenarioError, World
from conform.reference.case import YTD_FIELDS as CASE_YTD_FIELDS


def test_disease_labels_name_person_ytd_fields_and_do_not_clash() -> None:
    assert set(YTD_DISEASE_FIELDS.values()) == {"chronic_pay", "chronic_dedc"} <= CASE_YTD_FIELDS
    assert not set(YTD_DISEASE_FIELDS) & set(YTD_FIELDS)


def _world() -> World:
    w = World(ReferenceAdapter())
    w.policy = "jilin"
    return w


def test_chronic_totals_are_kept_per_disease_beside_the_others() -> None:
    w = _world()
    library.given_ytd(w, "2023", "起付线", "200.00")
    library.given_ytd(w, "2023", "慢特病统筹支付", "2700.00", "M00100")
    library.given_ytd(w, "2023", "慢特病统筹支付", "10", "M00500")
    assert w.person["ytd"] == {"year": 2023, "ordinary_dedc": "200.00",
                               "chronic_pay": {"M00100": "2700.00", "M00500": "10.00"}}
    # the person the system is given reads them (parse_person), under the codes stated
    ytd = w.subject().person.ytd
    assert ytd is not None and {k: str(v) for k, v in ytd.chronic_pay.items()} == {"M00100": "2700.00", "M00500": "10.00"}


def test_a_chronic_total_needs_its_disease_and_the_others_take_none() -> None:
    w = _world()
    with pytest.raises(ScenarioError, match="per disease"):
        library.given_ytd(w, "2023", "慢特病统筹支付", "2700.00")
    with pytest.raises(ScenarioError, match="not counted per disease"):
        library.given_ytd(w, "2023", "普通门诊统筹支付", "100.00", "M00100")


def test_one_year_only() -> None:
    w = _world()
    library.given_ytd(w, "2023", "慢特病统筹支付", "100.00", "M00100")
    with pytest.raises(ScenarioError, match="one year only"):
        library.given_ytd(w, "2024", "慢特病统筹支付", "100.00", "M00100")
