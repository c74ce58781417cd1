"""Two small readings of audit.html and audit.xlsx (probe s22 F item 5).

- A month of the period with no row at all is labelled 无结算记录 in the month chart: once in the overpaid red (an alarm),
  with a tooltip “2023-07 少付 ” and no value; now in a neutral grey, the tooltip saying 无结算记录.
- 按人员类别's 涉及人数 counts a person whose category changed in the period (A, 在职 then 退休) in each category, so they add
  up to more than the persons: the sheet says so. 攀枝花 第七条: A1 (在职, 三级 50%, 起付线 200.00) 1000.00 in scope pays
  (1000 − 200) × 50% = 400.00, recorded 450.00; A2 (退休 from 2023-09-01, A-AUDIT-PSN-TYPE-CHANGE, three grades lower:
  二级 65%, deductible used up) 100.00 in scope pays 65.00, recorded 70.00.
"""
from __future__ import annotations

import json
import re

from openpyxl import load_workbook

from conform.audit.report.html import OVER
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,"
          "psn_part_amt,acct_pay,psn_cash_pay")
ROWS = ["A1,A,1101,2023-06-01,11,tertiary,H1,1000.00,0,0,0,1000.00,200.00,450.00,0.5000,450.00,550.00,0.00,550.00",
        "A2,A,1201,2023-09-01,11,secondary,H2,100.00,0,0,0,100.00,0.00,70.00,0.6500,70.00,30.00,0.00,30.00"]


def _run(tmp_path):
    ledger = tmp_path / "l.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1
    return out, s


def test_a_month_with_no_row_is_labelled_in_a_neutral_grey_not_the_overpaid_red(tmp_path):
    out, s = _run(tmp_path)
    page = (out / "audit.html").read_text(encoding="utf-8")
    chart = page[page.index('<section id="months">'):page.index('<section id="facilities">')]
    for month in ("2023-07", "2023-08"):
        labels = re.findall(r"<text[^>]*>(?:<title>[^<]*</title>)?无结算记录</text>", chart)
        assert labels and all('class="nodata"' in t and OVER not in t for t in labels), labels
        assert f"<title>{month} 少付 </title>" not in chart and f"<title>{month} 无结算记录</title>" in chart
    assert re.search(r"\.nodata\{fill:#666\}", page)
    # the months with rows keep their bars and figures
    assert re.search(rf'<text[^>]*fill="{OVER}">¥50\.00</text>', chart) and "¥5.00" in chart


def test_by_person_type_says_a_person_whose_category_changed_is_counted_in_each(tmp_path):
    out, s = _run(tmp_path)
    rows = list(load_workbook(out / "audit.xlsx")["按人员类别"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    persons = header.index(next(h for h in header if str(h).startswith("涉及人数")))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [r[0] for r in body] == ["1101", "1201"] and sum(r[persons] for r in body) == 2
    assert summary["persons_with_discrepancies"] == 1
    assert "换过人员类别的人在各类别各计一次" in header[persons] and "相加可多于涉及的总人数" in header[persons]
