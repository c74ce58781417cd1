"""The audit under 南昌's region-supplied chronic.overflow_to_ordinary (A-NC-CHRONIC-OVERFLOW, rtext Q2).

Chronic visits (med_type 14) go to the reference engine (conform/audit/fallback.py), which reads the same key the
engine does: a ledger is audited against the region's answer, both answers are drawn, and a region without one has
exactly the settlements its caps cut left unassessed, naming the key.

Hand-worked ledger (M03900 in nanchang-example: 85%, cap 4000, 零起付线; 三级 50%, 起付线 600):
  S1 三级 4000.00: 4000 × 85% = 3400.00; 600.00 left of the cap.
  S2 三级 2000.00: 2000 × 85% = 1700.00 > 600.00 → chronic 600.00, paying for 600 / 85% = 705.882… → 705.88 of the
     cost (A-NC-CHRONIC-OVERFLOW); with transfer 2000 − 705.88 = 1294.12 → deductible 600.00,
     (1294.12 − 600) × 50% = 347.06 → hifp 947.06; without, hifp 600.00.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conform.audit.run import audit
from conform.reference.policy import REGION_DIR

from _plan_ledgers import assert_audit_finds_planted, ledgers

KEY = "chronic.overflow_to_ordinary"
HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,hifp_pay"


@pytest.mark.parametrize("flag", ["true", "false"])
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plan_equals_reference_with_either_answer(flag, data, tmp_path_factory):
    d = data.draw(ledgers("nanchang"))
    d.params = {**(d.params or {}), KEY: flag}
    assert_audit_finds_planted(data, d, tmp_path_factory.mktemp("overflow"))


def _audit(tmp_path, s2_hifp: str, region: str = "nanchang-example", params: dict | None = None):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\nS1,A,1101,2023-02-01,14,tertiary,M03900,4000.00,3400.00\n"
                      f"S2,A,1101,2023-03-01,14,tertiary,M03900,2000.00,{s2_hifp}\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", "psn_type": "1101",
                                   "chronic_diseases": [{"dise_codg": "M03900", "kind": "chronic"}]}) + "\n",
                       encoding="utf-8")
    return audit([str(ledger)], "nanchang", region, str(persons), params_inline=params, write=False)


def test_a_system_that_does_not_transfer_is_found_where_the_region_transfers(tmp_path):
    code, s = _audit(tmp_path, "600.00", params={KEY: "true"})
    assert (code, s["discrepancies_by_field"].get("hifp_pay")) == (1, 1), s["discrepancies_by_field"]
    code, s = _audit(tmp_path, "947.06", params={KEY: "true"})
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"]) == (0, 0, 0)
    code, s = _audit(tmp_path, "600.00")  # nanchang-example: no transfer
    assert (code, sum(s["discrepancies_by_field"].values()), s["unassessed"]) == (0, 0, 0)


def test_without_the_answer_only_the_settlement_the_cap_cuts_is_unassessed_naming_the_key(tmp_path):
    text = (REGION_DIR / "nanchang-example.yaml").read_text(encoding="utf-8")
    region = tmp_path / "nc-noflag.yaml"
    region.write_text("\n".join(x for x in text.splitlines() if not x.startswith(f"  {KEY}:"))
                      .replace("name: nanchang-example", "name: nc-noflag") + "\n", encoding="utf-8")
    code, s = _audit(tmp_path, "600.00", region=str(region))
    assert (code, s["unassessed"], sum(s["discrepancies_by_field"].values())) == (2, 1, 0)
    [why] = s["unassessed_by_reason"]
    assert (why["status"], why["example_setl_id"]) == ("refused_parameter", "S2"), why
    assert KEY in why["details"][0]["note"], why
