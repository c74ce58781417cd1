"""A figure the text does not state is cited with the assumption that reads it, not as the article's alone.

南昌 四（四）only lets pharmacies settle; their ratio is the region's (A-NC-PHARMACY: nanchang-example 58%). 攀枝花 第七条 fixes no
ratio for an unfiled visit outside the city; the region supplies it (A-PZH-REMOTE-UNFILED). A reader who
checks the cited article alone would find neither figure there.
"""
from __future__ import annotations

import shutil
from decimal import Decimal

from conform.audit.run import audit
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind


def _steps(policy: str, region: str, settlement: dict, person: dict | None = None, params: dict | None = None):
    case = parse_case({"policy": policy, "person": {"psn_no": "P1", "psn_type": "1101", **(person or {})},
                       "settlements": [settlement]})
    r = PersonLedger(bind(policy, region, params), case.person).settle(case.items[0])
    return r, {s["step"]: s["clause"] for s in r.trace.render()}


def test_a_pharmacys_ratio_cites_the_assumption_that_sets_it():
    # 南昌, in service, pharmacy, 1,000.00: deductible 600.00 (四（二）1), (1000 − 600) × 58% = 232.00 (the example's ratio)
    r, steps = _steps("nanchang", "nanchang-example", {"id": "S1", "date": "2023-05-01", "med_type": "41",
                                                      "facility": "pharmacy", "medfee_sumamt": "1000.00"})
    assert r.hifp_pay == Decimal("232.00")
    assert steps["支付比例"] == "南昌 四（四）；A-NC-PHARMACY"


def test_an_unfiled_visit_outside_the_city_says_so_and_cites_the_regions_ratio():
    # 攀枝花, in service, 二级, outside the city without filing, region ratio 40%: (300 − 200) × 40% = 40.00
    r, steps = _steps("panzhihua", "panzhihua-example",
                      {"id": "S1", "date": "2023-05-01", "med_type": "11", "facility": "secondary", "remote": True,
                       "medfee_sumamt": "300.00"}, params={"ordinary.ratio.remote_unfiled": "0.40"})
    assert r.hifp_pay == Decimal("40.00")
    assert steps["异地未备案"] == steps["支付比例"] == "攀枝花 第七条；A-PZH-REMOTE-UNFILED"


def test_the_audits_clause_for_a_pharmacy_ratio_names_the_assumption(tmp_path):
    # the same 南昌 pharmacy visit recorded at 55% (the 二级 ratio): 220.00 against 232.00 (58%)
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "S1,P1,1101,2023-05-01,41,pharmacy,1000.00,220.00\n", encoding="utf-8")
    code, s = audit([str(ledger)], "nanchang", "nanchang-example", write=False, keep_connection=True)
    try:
        rows = s["_connection"].execute(f"SELECT field, clause FROM '{s['_discrepancies']}'").fetchall()
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    # (the ledger holds 2023 from 05-01 without P1's ytd: the deductible left rests on A-AUDIT-YTD-FROM-LEDGER)
    assert code == 1 and rows == [("hifp_pay", "南昌 四（四）；A-NC-PHARMACY；A-AUDIT-YTD-FROM-LEDGER")]


def test_an_assumption_already_in_a_parameters_cite_is_not_cited_twice():
    # 攀枝花 第十一条: a chronic visit past its cap overflows to ordinary pooling (A-PZH-OVERFLOW-SPLIT)
    case = parse_case({"policy": "panzhihua", "person": {"psn_no": "Q", "psn_type": "1101",
                                                         "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]},
                       "settlements": [{"id": f"Q{i}", "date": f"2023-0{i + 2}-01", "med_type": "14",
                                        "facility": "secondary", "dise_codg": "M00500", "medfee_sumamt": amount}
                                       for i, amount in ((1, "1000.00"), (2, "5000.00"))]})
    led = PersonLedger(bind("panzhihua", "panzhihua-example"), case.person)
    led.settle(case.items[0])
    steps = {s["step"]: s["clause"] for s in led.settle(case.items[1]).trace.render()}
    cites = steps["转入普通门诊统筹"].split("；")
    assert "A-PZH-OVERFLOW-SPLIT" in cites and len(cites) == len(set(cites)), steps["转入普通门诊统筹"]
