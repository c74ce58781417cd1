"""攀枝花 第七条 withholds ordinary pooling from a person without an account; a chronic visit's overflow past its
cap (第十一条) is then unpaid (A-PZH-NO-ACCOUNT-CHRONIC). Where the person has no account because a
flexible worker of tier 2 gets none (第四条), that reading (A-PZH-FLEX-TIER2) is cited too, as the same
person's ordinary visit cites it. Region panzhihua-example: M03900 deductible 0 / 50% / cap 300.
"""
from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from conform.audit.run import audit
from conform.reference.case import parse_case
from conform.reference.engine import PersonLedger
from conform.reference.policy import bind

D = Decimal


def chronic(sid, code, amount="1000.00", date="2023-06-01"):
    return {"id": sid, "date": date, "med_type": "14", "facility": "secondary", "dise_codg": code,
            "medfee_sumamt": amount}


HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt")


# =========================================================================== 攀枝花 tier 2: why no account


@pytest.mark.parametrize("person, cited", [
    ({"psn_type": "1103", "flex_tier": 2}, "攀枝花 第七条；A-PZH-FLEX-TIER2；A-PZH-NO-ACCOUNT-CHRONIC"),
    ({"psn_type": "1101", "has_account": False}, "攀枝花 第七条；A-PZH-NO-ACCOUNT-CHRONIC"),
])
def test_panzhihua_chronic_overflow_without_an_account_cites_why_there_is_none(person, cited):
    """P5: M03900 1000 at 二级: 1000 × 50% = 500 > cap 300 → 300.00; 300 / 50% = 600 covered, the 400.00 left
    gets no ordinary pooling (第七条, A-PZH-NO-ACCOUNT-CHRONIC) — for a tier-2 worker because tier 2 has no
    account (A-PZH-FLEX-TIER2), as the same person's ordinary visit cites."""
    c = parse_case({"policy": "panzhihua", "person": {"psn_no": "P5", **person,
                                                      "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]},
                    "settlements": [chronic("V1", "M03900")]})
    (r,) = [PersonLedger(bind("panzhihua", "panzhihua-example"), c.person).settle(s) for s in c.items]
    assert (r.chronic_pay, r.ordinary_pay) == (D("300.00"), D("0.00"))
    step = {s["step"]: s for s in r.trace.render()}["享受条件"]
    assert step["clause"] == cited
    assert "400.00" in step["detail"]


def test_a_tier2_workers_chronic_overflow_is_audited_under_the_tier2_reading(tmp_path):
    """P5, flex_tier 2: M03900 1000 at 二级 → 300.00 (cap); the 400.00 overflow gets no ordinary pooling because
    tier 2 has no account (A-PZH-FLEX-TIER2). Recorded as if it had (400 × 60% = 240.00 more): hifp_pay 540.00."""
    rows = ["V1,P5,1103,2023-06-01,14,secondary,M03900,1000.00,1000.00,0.00,540.00,0.5000,540.00,460.00"]
    ledger, persons = tmp_path / "ledger.csv", tmp_path / "persons.jsonl"
    ledger.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    persons.write_text('{"psn_no": "P5", "flex_tier": 2, "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]}\n',
                       encoding="utf-8")
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False, keep_connection=True)
    try:
        got = dict(s["_connection"].execute(f"SELECT field, clause FROM '{s['_discrepancies']}'").fetchall())
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    assert code == 1
    assert "A-PZH-FLEX-TIER2" in got["hifp_pay"] and "A-PZH-NO-ACCOUNT-CHRONIC" in got["hifp_pay"]
