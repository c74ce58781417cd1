"""The persons file and the institutions table have their encoding detected: --encoding names the ledger
files' encoding only, so a file of theirs that decodes in nothing known must not be told to "give --encoding"."""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from _ledger_files import ledger_and_persons

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,hifp_pay"
# 攀枝花 第七条: (500 − 200) × 50% = 150.00 at a tertiary hospital
ROW = "S1,A,1101,2023-03-01,11,tertiary,H1,500.00,150.00"
BAD = b"\xff\xfe\xff"  # neither UTF-8 nor GB18030 (0xFF is no GB18030 lead byte), and no UTF-16 mark first


def test_a_persons_file_in_no_known_encoding_is_not_told_to_give_encoding(tmp_path):
    ledger, _ = ledger_and_persons(tmp_path, HEADER, [ROW])
    persons = tmp_path / "persons.jsonl"
    persons.write_bytes(b'{"psn_no": "A", "psn_type": "1101"}\n{"psn_no": "B' + BAD + b'"}\n')
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", str(persons), write=False)
    assert "not this file's" in str(e.value) and "give --encoding" not in str(e.value)
    assert e.value.file == str(persons) and e.value.row == 2


def test_an_institutions_table_in_no_known_encoding_is_not_told_to_give_encoding(tmp_path):
    ledger, _ = ledger_and_persons(tmp_path, HEADER.replace(",facility", ""), [ROW.replace(",tertiary", "")])
    table = tmp_path / "inst.csv"
    table.write_bytes(b"fixmedins_code,facility\nH1,tertiary\nH2" + BAD + b",primary\n")
    with pytest.raises(AuditInputError) as e:
        audit([str(ledger)], "panzhihua", "panzhihua-example", write=False, institutions_file=str(table))
    assert "not this file's" in str(e.value) and "give --encoding" not in str(e.value)
    assert e.value.file == str(table)
