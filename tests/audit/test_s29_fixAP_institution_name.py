"""audit.xlsx 按机构 keeps an institution's name whole; only audit.html cuts it to 60 characters (probe s29 A2 F6).

docs/audit.md §5 gives the 60-character cut for the page (“页面上的 … 机构名称至多显示 60 个字符”); in the workbook a
regulator filters and looks names up against the 定点机构 list, which a cut name would miss. The cell keeps the
formula guard every cell has (a name starting with = is text, quote-prefixed).

攀枝花 第七条, 在职, 二级 60%, deductible 200.00: 300.00 in scope pays (300 − 200) × 60% = 60.00; each row records 99.00.
"""
from __future__ import annotations

from openpyxl import load_workbook

from conform.audit.run import audit

LONG = "攀枝花市" + "东区" * 60 + "人民医院"  # 128 characters, as the probe's
FORMULA = "=HYPERLINK(1)" + "医院" * 40  # 93 characters, starting as a formula would
HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,fixmedins_name,medfee_sumamt,act_pay_dedc,hifp_pay"


def test_the_sheet_keeps_the_whole_name_and_the_page_cuts_it(tmp_path):
    ledger = tmp_path / "l.csv"
    ledger.write_text(f"{HEADER}\nS1,P1,1101,2023-03-10,11,secondary,H002,{LONG},300.00,200.00,99.00\n"
                      f"S2,P2,1101,2023-03-10,11,secondary,H003,{FORMULA},300.00,200.00,99.00\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    code, _ = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1
    ws = load_workbook(out / "audit.xlsx")["按机构"]
    names = {r[0].value: r[1] for r in ws.iter_rows(min_row=2) if r[0].value in ("H002", "H003")}
    assert names["H002"].value == LONG and len(LONG) == 128
    assert names["H003"].value == FORMULA and names["H003"].data_type == "s" and names["H003"].quotePrefix
    page = (out / "audit.html").read_text(encoding="utf-8")
    top = page[page.index("多付最多的定点机构"):]
    assert LONG[:59] + "…" in top and LONG[:61] not in page
