"""Opening year-to-date chronic totals per disease code (the 假如 … 已累计慢特病统筹支付（病种 "…"） step).

A scenario could state the opening ordinary and inpatient totals but not the chronic ones, kept per disease
(person ytd.chronic_pay / chronic_dedc), so 吉林's keying of them under the shared cap
(A-JL-CHRONIC-YTD-BUCKET) went untested. The vocabulary names them; the step (library.given_ytd) is to read
them with the disease code."""
from __future__ import annotations

from conform.harness.steps.vocabulary import YTD_DISEASE_FIELDS, YTD_FIELDS
from conform.reference.case import YTD_FIELDS as CASE_YTD_FIELDS


def test_disease_labels_name_person_ytd_fields_and_do_not_clash() -> None:
    assert set(YTD_DISEASE_FIELDS.values()) == {"chronic_pay", "chronic_dedc"} <= CASE_YTD_FIELDS
    assert not set(YTD_DISEASE_FIELDS) & set(YTD_FIELDS)
