"""Does --map rename a persons file's columns (raudit4's question)? Since s12 (raudit2 Q4), yes: a [columns] line whose
target is a persons file's field (the case format's `person`: psn_no, psn_type, acct_balance, …) renames its header too
(tests/audit/test_s12_implG_persons_headers.py); a line to a ledger column no person has (机构 = fixmedins_code) does
not, and that column is refused in the persons file, saying to leave it out. A field the case format has not is
refused at its line and column, saying how to name or rename it.

Figures by hand, 攀枝花 第七条 (panzhihua-example: in-service, deductible 200.00 a natural year; 三级 50%):
  A S1 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund.
"""
from __future__ import annotations

import json

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

LEDGER = ("人员编号,机构,setl_id,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay\nA,H1,S1,1101,2023-01-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000\n")
BY_DESIGN = ("a persons file's fields are the case format's (docs/audit.md §3): name each column so, or rename it with a "
             "--map [columns] line")
MAP = ("人员编号=psn_no", "机构=fixmedins_code")


def _audit(tmp_path, name: str, text: str):
    ledger = tmp_path / "l.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    persons = tmp_path / name
    persons.write_text(text, encoding="utf-8")
    return audit([str(ledger)], "panzhihua", "panzhihua-example", persons_file=str(persons), mapping=MAP,
                 write=False, workers=1)


def _refused(tmp_path, name: str, text: str) -> AuditInputError:
    with pytest.raises(AuditInputError) as e:
        _audit(tmp_path, name, text)
    return e.value


@pytest.mark.parametrize("name, text", [
    ("p.csv", "人员编号,acct_balance\nA,100.00\n"),
    ("p.jsonl", json.dumps({"人员编号": "A", "acct_balance": "100.00"}, ensure_ascii=False) + "\n"),
])
def test_a_column_map_renames_in_the_ledger_is_renamed_in_the_persons_file_too(tmp_path, name, text):
    code, s = _audit(tmp_path, name, text)
    assert code == 0 and s["persons_file"]["in_ledger"] == 1


def test_a_column_map_renames_to_no_persons_field_is_to_be_left_out(tmp_path):
    e = _refused(tmp_path, "p.csv", "psn_no,机构,acct_balance\nA,H1,100.00\n")
    assert e.column == "机构"
    assert e.detail.endswith(f"{BY_DESIGN}; --map renames 机构 to fixmedins_code in the ledger, which is no person's "
                             "field: leave it out here")


def test_another_unknown_column_is_said_to_be_no_case_field(tmp_path):
    e = _refused(tmp_path, "p.csv", "psn_no,账户余额\nA,100.00\n")
    assert (e.row, e.column) == (2, "账户余额") and e.detail.endswith(f'{BY_DESIGN} ("账户余额" = "acct_balance")')


def test_a_nested_unknown_field_keeps_its_path(tmp_path):
    e = _refused(tmp_path, "p.jsonl", '{"psn_no": "A", "ytd": {"year": 2023, "foo": "1"}}\n')
    assert e.column == "ytd" and "unknown field(s) foo" in e.detail and BY_DESIGN not in e.detail


def test_with_the_case_formats_names_the_persons_file_is_read(tmp_path):
    # acct_balance 100.00 is A's opening balance; the ledger records no acct_pay, so only the fund is audited
    code, s = _audit(tmp_path, "p.csv", "psn_no,acct_balance\nA,100.00\n")
    assert code == 0 and s["rows_read"] == 1
