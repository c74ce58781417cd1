"""The audit report reads as a regulator reads it (raudit2 D7): 涉及字段 is one list of fields, not field sets joined by
' | '; the audit readings several worked examples share are listed once above them, and a reading about an opening
balance is not shown beside an example taken as recorded for want of one; 差异明细 labels 医疗类别 and 计算途径 and 概要
says what the route is; 概要's 地区配置 names a region given by its path once.

攀枝花 第七条 (在职: 起付线 200 元, 三级 50%). S1: 1000.00 in scope, (1000 − 200) × 50% = 400.00 from the fund, 个人负担
600.00; acct_pay 700.00 recorded, taken as recorded but at most 个人负担 (no balance for A: A-AUDIT-ACCT-UNKNOWN) →
600.00. T1 (B, 01-06): 400.00 from the fund as S1's, 基金支付总额 recorded 450.00: without the other funds' columns it is
400.00 + 0 (A-AUDIT-OTHER-FUNDS-ABSENT), which S1's acct_pay rests on too (个人负担 = total − funds).
"""
from __future__ import annotations

import json
import re

from openpyxl import load_workbook

from conform.audit.report.rollups import fields_union
from conform.audit.run import audit
from conform.reference.policy import REGION_DIR

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,remote,exclusion,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,hifp_pay,fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay")
S1 = "S1,A,1101,2023-01-05,11,tertiary,false,,1000.00,0,0,0,400.00,400.00,600.00,700.00,0.00"
T1 = "T1,B,1101,2023-01-06,11,tertiary,false,,1000.00,0,0,0,400.00,450.00,600.00,0.00,600.00"
# Q has an opening balance (so the run states the balance-only readings) and no difference
Q1 = "Q1,Q,1101,2023-01-07,11,tertiary,false,,100.00,0,0,0,0.00,0.00,100.00,100.00,0.00"


def test_field_sets_read_as_one_list_in_the_fields_order():
    assert fields_union("act_pay_dedc, hifp_pay | act_pay_dedc | acct_pay, hifp_pay") == (
        "本次计入起付线 act_pay_dedc、统筹基金支付 hifp_pay、个人账户支付 acct_pay")


def test_the_report_reads_once_what_its_examples_share(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, S1, T1, Q1]) + "\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "Q", "acct_balance": "500.00"}) + "\n", encoding="utf-8")
    region = tmp_path / "my-region.yaml"
    region.write_text((REGION_DIR / "panzhihua-example.yaml").read_text(encoding="utf-8")
                      .replace("name: panzhihua-example", "name: my-region"), encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", str(region), str(persons), out=out)
    assert code == 1 and "A-AUDIT-ACCT-USED" in {a["id"] for a in s["assumptions"]}
    page = (out / "audit.html").read_text(encoding="utf-8")
    classes = page[page.index('<section id="classes">'):]
    classes = classes[:classes.index("</section>")]
    # OTHER-FUNDS-ABSENT under both examples: once, above them; each example names it by id
    assert classes.count("<b>A-AUDIT-OTHER-FUNDS-ABSENT</b>：") == 1
    assert classes.index('id="shared-readings"') < classes.index('<h3 id="class-')
    assert classes.count("本例的应为值依据上方列出的稽核认定：A-AUDIT-OTHER-FUNDS-ABSENT") == 2
    # S1's own: taken as recorded (no balance for A) — not the readings about a balance's account
    s1 = next(c for c in classes.split('<h3 id="class-')[1:] if "<code>S1</code>" in c)
    own = re.findall(r"<li><b>(A-AUDIT-[A-Z0-9-]+)</b>：", s1)
    assert "A-AUDIT-ACCT-UNKNOWN" in own and "A-AUDIT-ACCT-USED" not in own and "A-AUDIT-ACCT-MULAID-ABSENT" not in own
    assert " | " not in classes
    book = load_workbook(out / "audit.xlsx")
    detail = list(book["差异明细"].iter_rows(values_only=True))
    head = detail[0]
    row = detail[1]
    assert row[head.index("医疗类别")] == "11 普通门诊" and row[head.index("计算途径")] == "稽核计划 plan"
    overview = dict(r for r in book["概要"].iter_rows(values_only=True))
    assert "参考实现 reference" in overview["计算途径 route"]
    # the region given by its path: named once, with its label
    said = overview["地区配置 region"]
    assert said.count(str(region)) == 1 and s["region_label"] in said
    classes_sheet = list(book["按差异类型"].iter_rows(values_only=True))
    fields = [r[classes_sheet[0].index("涉及字段")] for r in classes_sheet[1:]]
    assert all(" | " not in f and ", " not in f for f in fields)
