"""Export forms a regulator meets, refused or read as docs/audit.md §1 says: an unclosed quote mid-row, a footer note
row (制表人：张三), a glob matching month folders, and a wrong --encoding gbk on a UTF-8 export."""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.audit.errors import AuditInputError
from _kept import kept_audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,fixmedins_name,medfee_sumamt,"
          "fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,hifp_pay,init_setl_id")
S1 = "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,H1,攀枝花市中心医院,500.00,50,0,20.00,115.00,"
S2 = "S2,P2,1101,2023-04-01 10:00:00,11,tertiary,H1,攀枝花市中心医院,500.00,50,0,20.00,115.00,"
S3 = "S3,P3,1101,2023-05-01 10:00:00,11,tertiary,H1,攀枝花市中心医院,500.00,50,0,20.00,115.00,"


def _csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _audit(specs, **kw):
    with kept_audit([str(p) for p in specs], "panzhihua", "panzhihua-example", write=False, **kw) as (code, s, con):
        rows = con.execute("SELECT setl_id, fixmedins_name FROM ledger ORDER BY setl_id").fetchall()
    return code, s, rows


def test_an_unclosed_quote_mid_row_is_said_so(tmp_path):
    # a quote opened before fixmedins_code on line 3 and never closed: the rest of the file is one field
    path = _csv(tmp_path / "ledger.csv", [HEADER, S1, S2.replace(",H1,", ',"H1,'), S3])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3: a quote \(\"\) opens on this line and is never "
                                              r"closed.*\(7 fields where the header has 14\)"):
        _audit([path])
    # a short row without a quote is still said by its count
    path = _csv(tmp_path / "ledger.csv", [HEADER, S1, "S2,P2,1101", S3])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3: 3 fields where the header has 14"):
        _audit([path])


@pytest.mark.parametrize("note", ["制表人：张三", "打印日期：2024-01-05", "审核人：", "单位：元", "制表人:李四"])
def test_a_footer_note_row_is_told_as_such(tmp_path, note):
    path = _csv(tmp_path / "ledger.csv", [HEADER, S1, S2, "," * 13, note + "," * 13])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 5, column setl_id: a note row .*no settlement: "
                                              r"delete it"):
        _audit([path])
    # an ID with a full-width colon, no note label before it, is still said to be one
    path = _csv(tmp_path / "ledger.csv", [HEADER, S1, S2.replace("S2,", "S：2,", 1)])
    with pytest.raises(AuditInputError, match=r"line 3, column setl_id: an ID or code with U\+FF1A"):
        _audit([path])


def test_a_glob_matching_month_folders_reads_them(tmp_path):
    _csv(tmp_path / "exports" / "2023-03" / "ledger.csv", [HEADER, S1])
    _csv(tmp_path / "exports" / "2023-04" / "ledger.csv", [HEADER, S2])
    _csv(tmp_path / "exports" / "2022-12" / "ledger.csv", [HEADER, S3])  # not matched
    code, s, rows = _audit([tmp_path / "exports" / "2023*"])
    assert [r[0] for r in rows] == ["S1", "S2"]
    assert code == 0 and s["rows_read"] == 2
    # `**` matches a folder and the files below it: each file is read once
    code, s, rows = _audit([str(tmp_path / "exports") + "/2023*/**"])
    assert [r[0] for r in rows] == ["S1", "S2"]
    assert code == 0 and s["rows_read"] == 2


@pytest.mark.parametrize("name", ["机构0001", "攀枝花市中心医院"])  # the first decodes in GBK (鏈烘瀯0001), the second not
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "gb2312"])
def test_a_utf8_export_read_as_gbk_is_refused(tmp_path, encoding, name):
    path = _csv(tmp_path / "ledger.csv", [HEADER, S1.replace("攀枝花市中心医院", name), S2.replace("攀枝花市中心医院", name)])
    with pytest.raises(AuditInputError, match=rf"ledger\.csv: the file reads as UTF-8 .*not {encoding}.*leave "
                                              r"--encoding out"):
        _audit([path], encoding=encoding)
    # the same names in GBK, read as GBK
    path = _csv(tmp_path / "ledger.csv", [HEADER, S1.replace("攀枝花市中心医院", name)], encoding="gb18030")
    code, s, rows = _audit([path], encoding=encoding)
    assert code == 0 and rows == [("S1", name)]
