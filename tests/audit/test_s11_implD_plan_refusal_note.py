"""A settlement the plan refuses for a figure the region does not give says which key, as the reference route's refusal
does (s11, from implB): a 南昌 pharmacy without `ordinary.ratio.in_service.pharmacy` in the region (南昌 四（四） names no
pharmacy ratio, A-NC-PHARMACY) was reported with the generic 地区配置缺少所需的参数 reason alone on the plan's route."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conform.audit.run import audit
from conform.reference.policy import REGION_DIR

KEY = "ordinary.ratio.in_service.pharmacy"
HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,init_setl_id")
PHARMACY = "P1,A,1101,2023-06-01,41,pharmacy,D1,100.00,100.00,0.00,0.00,0.0000,"
ROUTES = {"plan": {}, "reference": {"retire_date": "2035-01-01"}}  # a later retirement: to the reference engine


def _region(tmp_path: Path) -> Path:
    text = (REGION_DIR / "nanchang-example.yaml").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.strip().startswith(KEY)]
    path = tmp_path / "nanchang-nopharm.yaml"
    path.write_text("\n".join(kept).replace("name: nanchang-example", "name: nanchang-nopharm") + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("route", ROUTES)
def test_the_plan_names_the_missing_pharmacy_ratio_as_the_reference_route_does(tmp_path, route):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\n{PHARMACY}\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "A", **ROUTES[route]}) + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "nanchang", str(_region(tmp_path)), str(persons), out=tmp_path / "out")
    assert code == 2
    (reason,) = s["unassessed_by_reason"]
    assert (reason["status"], reason["rows"]) == ("refused_parameter", 1)
    (detail,) = reason["details"]
    assert KEY in detail["note"] and "--region" in detail["note"] and detail["example_setl_id"] == "P1"
    assert (reason["details_kinds"], reason["details_rows"]) == (1, 1)
    page = (tmp_path / "out" / "audit.html").read_text(encoding="utf-8")
    assert KEY in page
