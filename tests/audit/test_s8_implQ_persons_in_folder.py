"""A persons file lying in a ledger folder and not given as --persons (raudit4, implN's note): it was read as a ledger
and refused for missing columns, the message sending the user to --map. Now its shape (psn_no with fields only a
person has: acct_balance, flex_tier, ytd, …; no settlement's column) is recognised and said plainly: give it as
--persons, or move it out of the folder. It is not skipped: an audit without its persons would settle them without
their balances, tiers and registrations (a flexible worker of tier 2 has no account, and so no ordinary pooling under
攀枝花 第四条/第七条: A-PZH-FLEX-TIER2), and report the result as the truth.

Figures by hand, 攀枝花 第七条 (panzhihua-example: in-service, deductible 200.00 a natural year; 三级 50%):
  A S1 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund.
"""
from __future__ import annotations

import json

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

LEDGER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay\nS1,A,1101,2023-01-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000\n")
PERSONS = [{"psn_no": "A", "psn_type": "1101", "acct_balance": "100.00"}, {"psn_no": "B", "psn_type": "1103", "flex_tier": 2}]
LOOKS = "this looks like a persons file, not a ledger"


def _folder(tmp_path, name: str, text: str):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "2023-01.csv").write_text(LEDGER, encoding="utf-8")
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _jsonl() -> str:
    return "".join(json.dumps(p) + "\n" for p in PERSONS)


def _refused(folder, persons=None) -> AuditInputError:
    with pytest.raises(AuditInputError) as e:
        audit([str(folder)], "panzhihua", "panzhihua-example", persons_file=persons, write=False, workers=1)
    return e.value


@pytest.mark.parametrize("name, text, fields", [
    ("persons.jsonl", _jsonl(), "acct_balance, flex_tier"),
    ("persons.csv", "psn_no,psn_type,acct_balance,has_account\nA,1101,100.00,TRUE\n", "acct_balance, has_account"),
    ("persons.csv", 'psn_no,ytd\nA,"{""year"": 2023, ""ordinary_dedc"": ""150.00""}"\n', "ytd"),
    ("persons.txt", "PSN_NO\tACCT_BALANCE\nA\t100.00\n", "ACCT_BALANCE"),
])
def test_a_persons_file_in_the_ledger_folder_is_named_so(tmp_path, name, text, fields):
    folder = _folder(tmp_path, name, text)
    e = _refused(folder)
    assert e.file == str(folder / name)
    assert e.detail.startswith(f"{LOOKS} (psn_no with a person's {fields}; no setl_id")
    assert f"give it as --persons {folder / name}" in e.detail and "move it out of the ledger folder" in e.detail
    assert "missing column" not in e.detail and "--map" not in e.detail


def test_given_as_persons_it_is_read_as_persons(tmp_path):
    folder = _folder(tmp_path, "persons.jsonl", _jsonl())
    code, s = audit([str(folder)], "panzhihua", "panzhihua-example", persons_file=str(folder / "persons.jsonl"),
                    write=False, workers=1)
    assert code == 0 and s["rows_read"] == 1


def test_beside_another_persons_file_it_names_that_one(tmp_path):
    folder = _folder(tmp_path, "persons.jsonl", _jsonl())
    other = tmp_path / "persons-2023.jsonl"
    other.write_text(json.dumps(PERSONS[0]) + "\n", encoding="utf-8")
    e = _refused(folder, str(other))
    assert e.file == str(folder / "persons.jsonl") and e.detail.startswith(LOOKS)
    assert f"--persons gives another file ({other})" in e.detail and "move this one out" in e.detail


def test_a_json_list_of_persons_is_named_so(tmp_path):
    folder = _folder(tmp_path, "persons.json", json.dumps(PERSONS, indent=1) + "\n")
    e = _refused(folder)
    assert (e.file, e.row) == (str(folder / "persons.json"), 1)
    assert e.detail.startswith("a JSON array, not JSON lines")
    assert "a person's acct_balance, flex_tier, and no settlement's field: a persons file? Give it as --persons" in e.detail


def test_a_json_list_of_settlements_is_not(tmp_path):
    rows = [{"setl_id": "S1", "psn_no": "A", "acct_balance": "1.00"}]
    e = _refused(_folder(tmp_path, "x.json", json.dumps(rows, indent=1)))
    assert e.detail == "a JSON array, not JSON lines: give one object per line (e.g. jq -c '.[]' file.json > file.jsonl)"


def test_a_ledger_missing_columns_keeps_its_message(tmp_path):
    # psn_no and no person's field: no persons file, a ledger short of columns
    e = _refused(_folder(tmp_path, "short.csv", "psn_no,psn_type,hifp_pay\nA,1101,1.00\n"))
    assert e.detail.startswith("missing column(s) setl_id") and "--map" in e.detail


def test_a_ledger_with_a_persons_field_beside_its_own_is_a_ledger(tmp_path):
    # an extra acct_balance column in a settlement export is not read; S1's figures are as worked above
    folder = tmp_path / "exports"
    folder.mkdir()
    head, row = LEDGER.splitlines()
    (folder / "l.csv").write_text(f"{head},acct_balance\n{row},100.00\n", encoding="utf-8")
    code, s = audit([str(folder)], "panzhihua", "panzhihua-example", write=False, workers=1)
    assert code == 0 and s["rows_read"] == 1
