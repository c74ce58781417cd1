"""A discrepancy class's worked example that a reversal (2208) later cancelled (probe s22 F item 1).

攀枝花 第七条, 在职, 定点零售药店 50%, 起付线 200.00. C1 (C, 2023-05-01): 1000.00 in scope, recorded at 60%:
(1000 − 200) × 60% = 480.00 paid where (1000 − 200) × 50% = 400.00 is due, +80.00. C1R (2023-05-02) gives back
−480.00 where −400.00 is due: the pair nets to 0.00, so 支付比例高于规定 counts 多付 ¥0.00 — and its example C1 showed
480.00 / 400.00 / 80.00 with nothing saying it was reversed. C2 (E, 2023-07-01): 600.00 in scope at 60%,
(600 − 200) × 60% = 240.00 where 200.00 is due, +40.00, never reversed: the class's example once it has one (C1 and C2
lie equally far from the median, 60.00, and C1 came first by setl_id).
"""
from __future__ import annotations

import re

from openpyxl import load_workbook

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,fixmedins_name,medfee_sumamt,"
          "fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay,"
          "fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay,init_setl_id")
C1 = "C1,C,1101,2023-05-01 09:00:00,41,pharmacy,P1,药店,1000.00,0,0,0,1000.00,200.00,480.00,0.6000,480.00,520.00,0.00,520.00,"
C1R = ("C1R,C,1101,2023-05-02 09:00:00,41,pharmacy,P1,药店,-1000.00,0,0,0,-1000.00,-200.00,-480.00,0.6000,-480.00,"
       "-520.00,0.00,-520.00,C1")
C2 = "C2,E,1101,2023-07-01 09:00:00,41,pharmacy,P1,药店,600.00,0,0,0,600.00,200.00,240.00,0.6000,240.00,360.00,0.00,360.00,"


def _run(tmp_path, rows):
    ledger = tmp_path / "l.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1
    page = (out / "audit.html").read_text(encoding="utf-8")
    section = page[page.index('<h3 id="class-ratio_high"'):]
    section = section[:min(i for i in (section.find("<h3", 1), section.find("</section>")) if i > 0)]
    classes = {r[0]: r for r in load_workbook(out / "audit.xlsx")["按差异类型"].iter_rows(values_only=True)}
    return s, section, classes


def test_a_reversed_example_says_it_was_reversed_and_that_its_difference_is_netted_out(tmp_path):
    s, section, classes = _run(tmp_path, [C1, C1R])
    assert (s["overpaid_fen"], s["underpaid_fen"]) == (0, 0)
    assert "多付 ¥0.00，少付 ¥0.00" in section
    assert "示例结算 <span class=\"en\">Worked example</span>：<code>C1</code>" in section
    assert re.search(r"<td class=\"num\">480\.00</td><td class=\"num\">400\.00</td><td class=\"num\">80\.00</td>", section)
    note = section[section.index('id="reversed-ratio_high"'):]
    note = note[:note.index("</p>")]
    assert "被撤销" in note and "<code>C1R</code>（2023-05-02）" in note
    assert "相抵后统筹基金无多付、少付（¥0.00）" in note and "按相抵后的金额计" in note
    assert "Reversed by <code>C1R</code> on 2023-05-02: its difference is netted out of the totals." in note
    header, row = classes["差异类型"], classes["支付比例高于规定"]
    assert row[header.index("示例结算ID")] == "C1"
    said = row[header.index("示例结算说明 example note")]
    assert said.startswith("被撤销") and "C1R（2023-05-02）" in said and "Reversed by C1R on 2023-05-02" in said


def test_a_class_with_a_settlement_not_reversed_takes_it_for_its_example(tmp_path):
    s, section, classes = _run(tmp_path, [C1, C1R, C2])
    assert (s["overpaid_fen"], s["underpaid_fen"]) == (4000, 0)
    assert "示例结算 <span class=\"en\">Worked example</span>：<code>C2</code>" in section
    assert re.search(r"<td class=\"num\">240\.00</td><td class=\"num\">200\.00</td><td class=\"num\">40\.00</td>", section)
    assert "被撤销" not in section
    header, row = classes["差异类型"], classes["支付比例高于规定"]
    assert row[header.index("示例结算ID")] == "C2"
    assert "示例结算说明 example note" not in header  # no example anywhere was reversed: no column of blanks
