"""Refusals of common export forms say which form it is and what to do (raudit2 D4), naming the column as the file
spells it where a --map renames it (人员编号 (psn_no)).

Decisions: a thousands separator ('2,370.31') and full-width digits ('５８．９４') stay refused — money is read only in
the forms the platform writes, and testing every clean cell for them would cost the read — but the refusal names the
form and the remedy (ledger and persons file alike). A 合计/总计 row is told as a total row. A file whose bytes are
another format than its suffix (an xlsx renamed .csv, an HTML table saved as .xlsx) is named for what it is. A date
in Excel's Chinese display forms (2023年1月5日, 上午 8:04:09) is refused with the forms that are read.

Figures by hand, 攀枝花 第七条 (panzhihua-example; in-service, deductible 200.00 a natural year, 三级 50%):
  S1: 600.00 in scope, 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 — the clean row around which
  each bad one is written.
"""
from __future__ import annotations

import zipfile

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = "结算ID,人员编号,psn_type,结算时间,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay"
MAP = ("结算ID=setl_id", "人员编号=psn_no", "结算时间=setl_time")
S1 = "S1,A,1101,2023-03-01 10:00:00,11,tertiary,600.00,200.00,200.00"
S2 = "S2,B,1101,2023-03-02 10:00:00,11,tertiary,600.00,200.00,200.00"


def _run(tmp_path, lines, name="结算明细_202303.csv", encoding="gbk", **kw):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding=encoding)
    return audit([str(p)], "panzhihua", "panzhihua-example", mapping=MAP, write=False, workers=1, **kw)


@pytest.mark.parametrize("cell, said", [
    ('"2,370.31"', r"not an amount in yuan: a thousands separator \(','\): Excel's 千位分隔符 .*使用千位分隔符"),
    ("６００．００", r"not an amount in yuan: full-width characters \(全角数字.*half-width \(半角\) digits"),
])
def test_an_amount_in_an_export_form_says_which_and_what_to_do(tmp_path, cell, said):
    with pytest.raises(AuditInputError, match=said) as e:
        _run(tmp_path, [HEADER, S1, S2.replace(",600.00,200.00", f",{cell},200.00")])
    assert (e.value.row, e.value.column) == (3, "medfee_sumamt")


def test_a_persons_balance_with_a_thousands_separator_says_so(tmp_path):
    persons = tmp_path / "persons.csv"
    persons.write_text('psn_no,acct_balance\nA,"2,069.15"\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"not a number: .*2,069\.15.*thousands separator") as e:
        _run(tmp_path, [HEADER, S1], persons_file=str(persons))
    assert (e.value.file, e.value.row, e.value.column) == (str(persons), 2, "acct_balance")


def test_a_total_row_at_the_foot_is_told_as_one(tmp_path):
    total = "合计,,,,,,1200.00,400.00,400.00"
    with pytest.raises(AuditInputError, match=r"a total row \(合计/总计\), no settlement: delete it") as e:
        _run(tmp_path, [HEADER, S1, S2, total])
    assert (e.value.row, e.value.column) == (4, "结算ID (setl_id)")


def test_a_missing_id_names_the_column_as_the_file_spells_it(tmp_path):
    with pytest.raises(AuditInputError) as e:
        _run(tmp_path, [HEADER, S1, S2.replace("S2,B,", "S2,,")])
    assert (e.value.row, e.value.column, e.value.detail) == (3, "人员编号 (psn_no)", "missing")


@pytest.mark.parametrize("cell, said", [
    ("2023年3月2日 10:00:00", r"a date as Excel displays it in Chinese \(年/月/日\).*yyyy-mm-dd hh:mm:ss"),
    ("2023/3/2 上午 10:00:00", r"a 12-hour time \(上午/下午, AM/PM\).*24-hour"),
    ("2023.3.2 10:00", r"not a time; the forms read: 2023-03-01 10:00:00, 2023/3/1 10:00:00, 2023/3/1 10:00, "
                       r"20230301100000"),
])
def test_a_time_in_a_form_not_read_lists_the_forms(tmp_path, cell, said):
    with pytest.raises(AuditInputError, match=said) as e:
        _run(tmp_path, [HEADER, S1, S2.replace("2023-03-02 10:00:00", cell)])
    assert (e.value.row, e.value.column) == (3, "结算时间 (setl_time)")


def test_an_xlsx_named_csv_is_named_for_what_it_is(tmp_path):
    p = tmp_path / "结算明细_202303.csv"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(AuditInputError, match=r"an Excel workbook \(\.xlsx, a zip archive\) named \.csv: rename it "
                                              r"\.xlsx") as e:
        audit([str(p)], "panzhihua", "panzhihua-example", write=False, workers=1)
    assert e.value.file == str(p)


@pytest.mark.parametrize("head, said", [
    ("<html><head><meta charset='utf-8'></head><body><table><tr><td>结算ID</td></tr></table></body></html>",
     r"an HTML table named \.xlsx \(what many 导出Excel buttons write\)"),
    ('<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
     r"an XML file named \.xlsx"),
])
def test_an_html_or_xml_table_named_xlsx_is_named_for_what_it_is(tmp_path, head, said):
    p = tmp_path / "结算明细_202303.xlsx"
    p.write_text(head, encoding="utf-8")
    with pytest.raises(AuditInputError, match=said):
        audit([str(p)], "panzhihua", "panzhihua-example", write=False, workers=1)
