"""A ledger folder's files are each read or refused, never left out unsaid (raudit2 D8, Q5).

An .xls month (or .xlsm, .et, .ods, a .zip or .gz of months) in a folder of CSV months was silently passed
over, while the same file by glob was refused: the month was then audited as a month without rows, and every
later settlement of its persons was falsely over- or underpaid (raudit2 D1). A folder now refuses it by name,
with what to do, as a glob does. An Excel/WPS lock file (~$name.xlsx, present while the workbook is open) is
never a ledger: a folder or glob leaves it out and says so; given by name it is refused.

Figures by hand, 攀枝花 第七条 (panzhihua-example: in-service, deductible 200.00 a natural year, 三级 50%):
  S1 on 2023-03-01: 500.00 − 50.00 − 0 − 20.00 = 430.00 in scope; (430.00 − 200.00) × 50% = 115.00, as recorded.
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,hifp_pay,init_setl_id")
S1 = "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,H1,500.00,50,0,20.00,115.00,"


def _folder(tmp_path, other: str, data: bytes = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
    folder = tmp_path / "2023"
    folder.mkdir()
    (folder / "结算明细_202303.csv").write_text(f"{HEADER}\n{S1}\n", encoding="utf-8")
    (folder / other).write_bytes(data)
    return folder


@pytest.mark.parametrize("name, what", [
    ("结算明细_202302.xls", "an old Excel or WPS workbook .*save it as .xlsx or CSV"),
    ("结算明细_202302.XLSM", "workbook with macros: save it as .xlsx or CSV"),
    ("结算明细_202302.et", "a WPS workbook: save it as .xlsx or CSV"),
    ("结算明细_202302.ods", "OpenDocument .*save it as .xlsx or CSV"),
    ("结算明细_2023.zip", "a zip archive: extract its files and give those"),
    ("结算明细_202302.csv.gz", "gzip-compressed file: decompress it"),
    ("结算明细_2023.7z", "7-Zip archive: extract"),
    ("结算明细_2023.rar", "RAR archive: extract"),
])
def test_a_folder_refuses_a_file_it_cannot_read_by_name(tmp_path, name, what):
    folder = _folder(tmp_path, name)
    with pytest.raises(AuditInputError, match=what) as e:
        audit([str(folder)], "panzhihua", "panzhihua-example", write=False, workers=1)
    assert e.value.file == str(folder / name)
    assert "never left out unsaid" in e.value.detail
    # the glob says the same of it (without the folder's sentence)
    with pytest.raises(AuditInputError, match=what) as g:
        audit([str(folder / "结算明细_*")], "panzhihua", "panzhihua-example", write=False, workers=1)
    assert g.value.file == str(folder / name)


def test_a_folder_still_passes_over_what_is_no_spreadsheet(tmp_path):
    """A PDF or Word note beside the months is no export of rows: left out, as before (a README.txt is read
    as a CSV and refused by its missing columns, which other tests keep)."""
    folder = _folder(tmp_path, "说明.pdf", b"%PDF-1.4")
    (folder / "说明.docx").write_bytes(b"PK\x03\x04")
    code, s = audit([str(folder)], "panzhihua", "panzhihua-example", write=False, workers=1)
    assert code == 0 and s["ledger"] == [str(folder / "结算明细_202303.csv")] and s["rows_read"] == 1


@pytest.mark.parametrize("lock", ["~$结算明细_202303.xlsx", "~$结算明细_202303.csv"])
def test_an_excel_lock_file_is_left_out_of_a_folder_and_a_glob_and_said(tmp_path, lock):
    folder = _folder(tmp_path, lock, b"\x0bzhang san  " + b"\x00" * 40)  # what Excel writes: the user's name
    for spec in (str(folder), str(folder / "*")):
        said: list[str] = []
        code, s = audit([spec], "panzhihua", "panzhihua-example", write=False, workers=1, progress=said.append)
        assert code == 0 and s["ledger"] == [str(folder / "结算明细_202303.csv")] and s["rows_read"] == 1
        notes = [n for n in said if "lock file" in n]
        assert len(notes) == 1 and str(folder / lock) in notes[0] and "结算明细_202303" in notes[0]


def test_a_lock_file_given_by_name_is_refused(tmp_path):
    folder = _folder(tmp_path, "~$结算明细_202302.xlsx", b"\x0bzhang san")
    with pytest.raises(AuditInputError, match=r"lock file .*结算明细_202302\.xlsx is open.*give the workbook itself"):
        audit([str(folder / "~$结算明细_202302.xlsx")], "panzhihua", "panzhihua-example", write=False, workers=1)
