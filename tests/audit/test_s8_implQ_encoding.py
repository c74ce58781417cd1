"""An export read as GB2312 (`--encoding gb2312`, or one of its other names) that a name breaks (raudit4 Q): GB2312
(1980) holds 6,763 characters, not 镕 (朱镕基), 喆, 堃, many a surname or given name, nor the traditional forms; GBK
and GB18030, its supersets, encode them, and are what Chinese systems write. The refusal names the file and line,
as any undecodable byte's does, and says to read the file as gb18030 or gbk (or to leave --encoding out: GB18030
is recognised by itself). An encoding other than GB2312 gets no such hint."""
from __future__ import annotations

import pytest

from conform.audit import sources
from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_name,medfee_sumamt,hifp_pay\n"
HINT = "GB2312 lacks many characters real exports hold"


def _gbk(tmp_path, name_at: int, rows: int = 5):
    """A GBK export whose line `name_at` (the header is line 1) names 朱镕基医院: 镕 is GBK 0xE946, whose second
    byte GB2312 has in no character (both its bytes are 0xA1-0xFE)."""
    lines = [f"S{i},A,1101,2023-03-0{i},11,tertiary,攀枝花市中心医院,100.00,0.00\n" for i in range(1, rows + 1)]
    lines[name_at - 2] = lines[name_at - 2].replace("攀枝花市中心医院", "朱镕基医院")
    path = tmp_path / "l.csv"
    path.write_bytes((HEADER + "".join(lines)).encode("gbk"))
    return path


@pytest.mark.parametrize("name", ["gb2312", "GB2312", "euc-cn", "chinese"])
def test_gb2312_that_a_name_breaks_is_refused_at_its_line_suggesting_gb18030(tmp_path, name):
    path = _gbk(tmp_path, 4)
    with pytest.raises(AuditInputError) as e:
        audit([str(path)], "panzhihua", "panzhihua-example", encoding=name, write=False, workers=1)
    said = str(e.value)
    assert (e.value.file, e.value.row) == (str(path), 4)
    assert said.startswith(f"{path}, line 4: unreadable in encoding {name}")
    assert HINT in said and "--encoding gb18030" in said and "gbk" in said


def test_the_same_file_read_as_gb18030_reads_the_name(tmp_path):
    # the advice holds: read as gb18030 (or detected, without --encoding) the row's name is 朱镕基医院
    path = _gbk(tmp_path, 4)
    for enc in ("gb18030", "gbk", None):
        assert sources.detect_encoding(path, enc) == (enc or "gb18030")
    assert "朱镕基医院" in path.read_bytes().decode("gb18030").splitlines()[3]


def test_a_byte_past_the_first_lines_read_as_gb2312_gets_the_hint(tmp_path, monkeypatch):
    # the encoding is checked on the first bytes only (shrunk here to the header and two rows, which decode);
    # 镕 on line 5 is found while pyarrow transcodes, and named so
    path = _gbk(tmp_path, 5)
    monkeypatch.setattr(sources, "ENCODING_PREFIX", len(b"".join(path.read_bytes().splitlines(True)[:3])) + 1)
    with pytest.raises(AuditInputError) as e:
        audit([str(path)], "panzhihua", "panzhihua-example", encoding="gb2312", write=False, workers=1)
    assert e.value.row == 5 and "the file's first lines did" in str(e.value) and HINT in str(e.value)


def test_another_encoding_gets_no_gb2312_hint(tmp_path):
    path = _gbk(tmp_path, 4)
    path.write_bytes(path.read_bytes() + b"S9,A,1101,2023\x81\n")  # half a character: no GBK either
    with pytest.raises(AuditInputError) as e:
        sources.detect_encoding(path, "gbk")
    assert e.value.row == 7 and "unreadable in encoding gbk" in str(e.value) and HINT not in str(e.value)
    with pytest.raises(AuditInputError) as e:
        sources.detect_encoding(path, "ascii")
    assert e.value.row == 2 and HINT not in str(e.value)
