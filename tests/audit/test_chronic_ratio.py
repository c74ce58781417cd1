"""A chronic-disease visit the reference engine settles for the audit records the ratio applied to it, and
its clause is that ratio's article.

After a 两病/慢特病 cap is used up, a visit is paid by ordinary pooling alone (攀枝花 第十一条, 吉林 六（三））:
its ratio is the ordinary one, cited to the ordinary article; a visit crossing the cap keeps the chronic
ratio (A-CHRONIC-OVERFLOW-RATIO), cited to the chronic article and that assumption. Reviewer A's two
ledgers (revA item 2) audit clean.
"""
from __future__ import annotations

import json
import shutil

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,inscp_scp_amt,"
          "act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay,dise_codg")

# 攀枝花 panzhihua-example, M03900 (两病): deductible 0, 50%, cap 300; ordinary (第七条) in service at 二级:
# deductible 200, 60%.
# J1 600.00: 600 × 50% = 300.00, the whole cap; ratio 0.5000.
# J2 500.00: the cap is used up → 两病 0.00; all 500.00 to ordinary pooling (第十一条): (500 − 200) × 60%
#    = 180.00, deductible 200.00, 个人负担 500 − 180 = 320.00. The only ratio applied is 60%: 0.6000.
PANZHIHUA = [
    "J1,J,1101,2023-03-01 10:00:00,14,secondary,600.00,0.00,600.00,0.00,300.00,{j1},300.00,300.00,0.00,300.00,M03900",
    "J2,J,1101,2023-04-01 10:00:00,14,secondary,500.00,0.00,500.00,200.00,180.00,{j2},180.00,320.00,0.00,320.00,M03900",
]
# 吉林 jilin-example, M00500 (门诊慢性病): deductible 200 shared with ordinary (二（三）), 70%, cap 5000;
# ordinary 二级 55% (二（二）).
# A1 7500.00: (7500 − 200) × 70% = 5110 > 5000 → chronic 5000.00, covering 5000 / 70% = 7142.857… → 7142.86;
#    the other 7300 − 7142.86 = 157.14 to ordinary pooling (六（三）): 157.14 × 55% = 86.427 → 86.43; total
#    5086.43, 个人负担 7500 − 5086.43 = 2413.57. Part of it paid by the chronic benefit: 0.7000.
# A2 1000.00: the chronic cap is used up → 0.00; 1000 × 55% = 550.00 (deductible met), 个人负担 450.00: 0.5500.
JILIN = [
    "A1,A,1101,2023-03-01 10:00:00,14,secondary,7500.00,0.00,7500.00,200.00,5086.43,{a1},5086.43,2413.57,0.00,2413.57,M00500",
    "A2,A,1101,2023-04-01 10:00:00,14,secondary,1000.00,0.00,1000.00,0.00,550.00,{a2},550.00,450.00,0.00,450.00,M00500",
]


def _audit(tmp_path, policy: str, rows: list[str], persons: list[dict] | None = None):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    pfile = None
    if persons is not None:
        pfile = tmp_path / "persons.jsonl"
        pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    code, s = audit([str(ledger)], policy, f"{policy}-example", str(pfile) if pfile else None, write=False,
                    keep_connection=True)
    try:
        rows = s["_connection"].execute(
            f"SELECT setl_id, field, CAST(recorded AS VARCHAR), CAST(expected AS VARCHAR), clause, route "
            f"FROM '{s['_discrepancies']}' ORDER BY setl_id, field").fetchall()
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    return code, rows


def test_panzhihua_a_two_disease_visit_after_its_cap_audits_clean_at_the_ordinary_ratio(tmp_path):
    code, rows = _audit(tmp_path, "panzhihua", [r.format(j1="0.5000", j2="0.6000") for r in PANZHIHUA])
    assert (code, rows) == (0, [])


def test_panzhihua_the_chronic_ratio_after_the_cap_is_a_discrepancy_under_the_ordinary_article(tmp_path):
    # J2 recorded at 两病's 50% (the figures as paid at 60%): expected 0.6000 under 第七条, not 第十条 — and by the
    # second sentence of A-CHRONIC-OVERFLOW-RATIO (a chronic visit its cap no longer covers records the ordinary ratio)
    code, rows = _audit(tmp_path, "panzhihua", [r.format(j1="0.5000", j2="0.5000") for r in PANZHIHUA])
    assert (code, rows) == (1, [("J2", "pool_prop_selfpay", "0.5000", "0.6000", "攀枝花 第七条；A-CHRONIC-OVERFLOW-RATIO",
                                 "reference")])


def test_jilin_a_chronic_visit_after_its_cap_audits_clean_at_the_ordinary_ratio(tmp_path):
    persons = [{"psn_no": "A", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]}]
    code, rows = _audit(tmp_path, "jilin", [r.format(a1="0.7000", a2="0.5500") for r in JILIN], persons)
    assert (code, rows) == (0, [])


def test_jilin_the_ratio_clauses_after_and_across_the_cap(tmp_path):
    # A1 recorded at the ordinary 55%: it crossed the cap, the chronic 70% is kept (A-CHRONIC-OVERFLOW-RATIO);
    # A2 recorded at the chronic 70%: the cap was used up before it, 55% under 二（二）, by the reading's second sentence.
    persons = [{"psn_no": "A", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]}]
    code, rows = _audit(tmp_path, "jilin", [r.format(a1="0.5500", a2="0.7000") for r in JILIN], persons)
    assert code == 1
    assert rows == [("A1", "pool_prop_selfpay", "0.5500", "0.7000", "吉林 二(三)；A-CHRONIC-OVERFLOW-RATIO", "reference"),
                    ("A2", "pool_prop_selfpay", "0.7000", "0.5500", "吉林 二（二）；A-CHRONIC-OVERFLOW-RATIO", "reference")]
