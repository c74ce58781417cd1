"""A-AUDIT-CHRONIC-REGISTERED is counted, and cited in a worked example, only where a figure rests on it (probe s29 A2 F3).

Its reading (run.LEDGER_ASSUMPTIONS): a person whose persons record has no chronic_diseases field (or no record) is
settled as registered for the ledger's code. A person whose record gives chronic_diseases is settled by that
registration, not by the reading. 吉林 states it as its rule on the registered kind (run.CHRONIC_KIND_REGISTERED):
every 门诊慢特病 figure follows the kind registered, so there it bears on every row.

攀枝花 第十条, M00500 (example region: deductible 300.00, 80%): 1000.00 in scope pays (1000 − 300) × 80% = 560.00;
K1 (K: a record without chronic_diseases) and J1 (J: registered for M00500) both record 600.00, 4 discrepancy rows each
(hifp_pay, fund_pay_sumamt, psn_part_amt, psn_cash_pay).
"""
from __future__ import annotations

import json

from openpyxl import load_workbook

from conform.audit.report import html, rollups
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,dise_codg,facility,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,"
          "psn_part_amt,acct_pay,psn_cash_pay")
ROW = "{id},{psn},1101,2023-01-05,14,M00500,tertiary,H1,1000.00,0,0,0,1000.00,300.00,600.00,0.8000,600.00,400.00,0.00,400.00"
J = {"psn_no": "J", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]}
READING = "A-AUDIT-CHRONIC-REGISTERED"


def _run(tmp_path, rows, records, policy="panzhihua"):
    ledger = tmp_path / "l.csv"
    ledger.write_text("\n".join([HEADER] + [ROW.format(id=i, psn=p) for i, p in rows]) + "\n", encoding="utf-8")
    persons = tmp_path / "p.jsonl"
    persons.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], policy, f"{policy}-example", str(persons), out=out)
    use = {r[0]: r[3] for r in load_workbook(out / "audit.xlsx")["假设"].iter_rows(min_row=2, values_only=True)}
    return code, s, use, out


def test_only_the_rows_of_persons_without_chronic_diseases_are_counted(tmp_path):
    code, s, use, out = _run(tmp_path, [("K1", "K"), ("J1", "J")], [{"psn_no": "K"}, J])
    assert code == 1 and s["overpaid_fen"] == 8000  # both settled, 40.00 over each
    assert use[READING].startswith("本次稽核的数字所依据的假设：4 项门诊慢特病（med_type 14）差异依据它")


def test_not_used_where_every_chronic_person_is_registered(tmp_path):
    code, _, use, out = _run(tmp_path, [("J1", "J")], [J])
    assert code == 1 and use[READING].startswith("文件的其他假设")
    page = (out / "audit.html").read_text(encoding="utf-8")
    # the worked example of J1 names no such reading; the text is only listed among the unused ones
    worked = page.split("文件的其他假设")[0]
    assert READING not in worked


def test_the_worked_example_cites_it_only_for_the_unregistered_person(tmp_path):
    _, s, _, out = _run(tmp_path, [("K1", "K"), ("J1", "J")], [{"psn_no": "K"}, J])
    stated = {a["id"]: a["text"] for a in s["assumptions"]}
    con = rollups.connect(out / "discrepancies.parquet")
    try:
        rollups.chronic_registered(con, ["J"])
        ids = {sid: [r["id"] for r in html.worked_example(con, sid, None, stated)["readings"]] for sid in ("K1", "J1")}
    finally:
        con.close()
    assert READING in ids["K1"] and READING not in ids["J1"]


def test_jilin_rule_on_the_registered_kind_bears_on_every_row(tmp_path):
    # 吉林 二（三）: the kind registered (chronic) decides the benefit; J's rows rest on it though J is registered
    code, _, use, _ = _run(tmp_path, [("J1", "J")], [J], policy="jilin")
    assert code == 1
    assert use[READING].startswith("本次稽核的数字所依据的假设：") and "项门诊慢特病（med_type 14）差异依据它" in use[READING]
