"""The ordinary deductible charged on a chronic visit's overflow names A-PZH-OVERFLOW-SPLIT only where the visit
crosses its cap (probe s23 G F3, N2): a visit its cap no longer covered at all goes on whole under any split."""
from __future__ import annotations

from conform.reference.case import parse_case
from conform.reference.engine import compute_case

PERSON = {"psn_no": "OVF", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]}
PARAMS = {"chronic.M03900.deductible": "0", "chronic.M03900.ratio": "0.50", "chronic.M03900.cap": "300"}


def _dedc_clause(visits: list[tuple[str, str, str]], ytd: dict | None = None) -> list[tuple[str, str, str]]:
    person = {**PERSON, **({"ytd": ytd} if ytd else {})}
    case = {"policy": "panzhihua", "region": "panzhihua-example", "params": PARAMS, "person": person,
            "settlements": [{"id": i, "date": d, "med_type": "14", "dise_codg": "M03900", "facility": "primary",
                             "medfee_sumamt": amount} for i, d, amount in visits]}
    out = compute_case(parse_case(case))["settlements"]
    return [(s["id"], s["act_pay_dedc"], next(t["clause"] for t in s["trace"] if t["step"] == "起付线")) for s in out]


def test_the_visit_crossing_the_cap_cites_the_split_on_its_overflow_deductible():
    # 两病 M03900 (deductible 0, 50%, cap 300), 一级 (第七条: deductible 200): V1 800.00: 800 × 50% = 400 > 300 →
    # 300.00, covering 300 / 50% = 600.00; 200.00 goes on (第十一条), all of it the ordinary deductible 200
    [(sid, dedc, clause)] = _dedc_clause([("V1", "2023-03-01", "800.00")])
    assert (sid, dedc) == ("V1", "200.00")
    assert clause == "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；攀枝花 第七条"


def test_a_visit_after_the_cap_is_spent_goes_on_whole_under_any_split():
    # the 300.00 cap paid before (ytd): V1 500.00 pays nothing as 两病 and all 500.00 goes on: deductible 200,
    # (500 − 200) × 60% = 180.00 — whatever the split of a crossing visit, this one crosses nothing
    [(sid, dedc, clause)] = _dedc_clause([("V1", "2023-04-01", "500.00")], {"year": 2023, "chronic_pay": {"M03900": "300.00"}})
    assert (sid, dedc) == ("V1", "200.00")
    assert clause == "攀枝花 第十一条；攀枝花 第七条"
