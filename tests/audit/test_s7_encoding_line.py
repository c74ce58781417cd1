"""An export in neither UTF-8 nor GB18030 is refused at the line to mend: where the encoding it reads further in
breaks (raudit4 D1). A GBK export is not UTF-8 from its first Chinese line, so naming that line sent the reader to
sound text."""
import pytest

from conform.audit.errors import AuditInputError
from conform.audit.sources import detect_encoding

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_name,medfee_sumamt,hifp_pay\n"


def _gbk_with_stray_byte(tmp_path, at: int):
    rows = [f"S{i},A,1101,2023-03-0{i},11,tertiary,攀枝花市中心医院,100.00,0.00\n" for i in range(1, 6)]
    rows[at - 2] = rows[at - 2].replace("中心医院", "EURO药房")  # file line `at` (the header is line 1)
    path = tmp_path / "l.csv"
    # 0x80: Windows code page 936's euro sign, no character of GB18030 (nor a UTF-8 lead byte)
    path.write_bytes((HEADER + "".join(rows)).encode("gbk").replace(b"EURO", b"\x80"))
    return path


@pytest.mark.parametrize("at", [4, 6])
def test_a_gbk_export_with_one_stray_byte_is_refused_at_that_byte(tmp_path, at):
    path = _gbk_with_stray_byte(tmp_path, at)
    with pytest.raises(AuditInputError) as e:
        detect_encoding(path, None)
    assert e.value.row == at
    assert "reads as GBK/GB18030 up to this line" in str(e.value)
    assert f"line {at}" in str(e.value) and "--encoding" in str(e.value)


def test_a_utf8_export_with_one_stray_byte_is_refused_at_that_byte(tmp_path):
    # UTF-8 text whose fifth line holds a byte 0xFF, which no UTF-8 nor GB18030 sequence has; the Chinese
    # lines before it are UTF-8, and GB18030 reads them as other characters until its own sequences break
    text = HEADER + "".join(f"S{i},A,1101,2023-03-0{i},11,tertiary,X,100.00,0.00\n" for i in range(1, 6))
    raw = text.encode("utf-8").replace(b"S4,A", b"S4\xff,A")
    path = tmp_path / "u.csv"
    path.write_bytes(raw)
    with pytest.raises(AuditInputError) as e:
        detect_encoding(path, None)
    assert e.value.row == 5 and "reads as" in str(e.value)


def test_the_persons_file_is_not_told_to_give_encoding(tmp_path):
    from conform.audit.sources import own_encoding

    path = _gbk_with_stray_byte(tmp_path, 4)
    with pytest.raises(AuditInputError) as e:
        detect_encoding(path, None)
    said = str(own_encoding(e.value))
    assert "reads as GBK/GB18030 up to this line" in said and "give --encoding" not in said and "not this file's" in said
