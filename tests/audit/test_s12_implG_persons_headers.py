"""A persons file exported from the platform with its Chinese headers (人员编号, 人员类别, 账户余额 …) is read through the
same --map [columns] as the ledger (raudit2 Q4): a line whose target is a persons file's field renames its header; a
line to a platform field the audit does not read (姓名 = "psn_name") leaves the column out, as in the ledger. An unknown
header is refused with every unknown header listed (a CSV column empty in the refused record too), and the --map line to
write for a platform name. Refusals name a column as the file spells it (账户余额 (acct_balance)), in the persons file
and in the institutions table alike.

Figures by hand, 攀枝花 第七条 (panzhihua-example; in service: deductible 200.00 a natural year; 三级 50%):
  A S1 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund; 个人负担
  600.00 − 200.00 = 400.00. With an opening balance of 100.00 (the persons file's 账户余额) the account can pay at
  least 100.00 of it (A-AUDIT-ACCT-CREDITS: at least what the opening balance pays, at most 个人负担): recorded 50.00
  is 50.00 short, acct_pay −50.00. With no balance known (the column not read) acct_pay is only held to ≤ 400.00
  (A-AUDIT-ACCT-UNKNOWN), and 50.00 passes — so the discrepancy shows the header was renamed and read.
"""
from __future__ import annotations

import csv
import json

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping
from conform.audit.run import audit

LEDGER = ("人员编号,setl_id,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay,psn_part_amt,acct_pay\n"
          "A,S1,1101,2023-01-10 10:00:00,11,tertiary,600.00,600.00,200.00,200.00,0.5000,400.00,50.00\n")
MAP = '[columns]\n"人员编号" = "psn_no"\n"人员类别" = "psn_type"\n"账户余额" = "acct_balance"\n"姓名" = "psn_name"\n'


def _audit(tmp_path, name: str, text: str, mapping: str | tuple = MAP, out: bool = True):
    # without a map, the ledger under the platform's names
    (tmp_path / "l.csv").write_text(LEDGER if mapping else LEDGER.replace("人员编号", "psn_no", 1), encoding="utf-8")
    (tmp_path / name).write_text(text, encoding="utf-8")
    if isinstance(mapping, str):
        (tmp_path / "map.toml").write_text(mapping, encoding="utf-8")
        mapping = (str(tmp_path / "map.toml"),)
    code, s = audit([str(tmp_path / "l.csv")], "panzhihua", "panzhihua-example", persons_file=str(tmp_path / name),
                    mapping=mapping, out=tmp_path / "out" if out else None, write=out, workers=1)
    found = {}
    if out:
        with open(tmp_path / "out" / "discrepancies.csv", encoding="utf-8", newline="") as f:
            found = {(r["setl_id"], r["field"]): r["diff"] for r in csv.DictReader(f)}
    return code, s, found


def _refused(tmp_path, name: str, text: str, mapping: str | tuple = MAP) -> AuditInputError:
    with pytest.raises(AuditInputError) as e:
        _audit(tmp_path, name, text, mapping, out=False)
    return e.value


@pytest.mark.parametrize("name, text", [
    ("p.csv", "人员编号,人员类别,账户余额,姓名\nA,1101,100.00,张三\n"),
    ("p.jsonl", json.dumps({"人员编号": "A", "人员类别": "1101", "账户余额": "100.00", "姓名": "张三"},
                           ensure_ascii=False) + "\n"),
])
def test_the_platforms_chinese_headers_are_renamed_by_the_map(tmp_path, name, text):
    code, s, found = _audit(tmp_path, name, text)
    assert (code, found) == (1, {("S1", "acct_pay"): "-50.00"})  # the balance of 100.00 was read
    assert s["persons_file"]["in_ledger"] == 1


def test_every_unknown_header_is_listed_with_the_map_line_to_write(tmp_path):
    # 备注 and 电话 are empty in the record: unknown all the same, and listed
    e = _refused(tmp_path, "p.csv", "人员编号,账户余额,备注,电话\nA,100.00,,\n", mapping=())
    assert (e.row, e.column) == (2, "人员编号")
    assert e.detail.startswith("unknown field(s) 人员编号, 账户余额, 备注, 电话; allowed: acct_balance,")
    assert '"人员编号" = "psn_no"; "账户余额" = "acct_balance"' in e.detail and "--map [columns]" in e.detail


def test_a_refusal_names_the_column_as_the_file_spells_it(tmp_path):
    e = _refused(tmp_path, "p.jsonl", json.dumps({"人员编号": "A", "账户余额": "1,000.00"}, ensure_ascii=False) + "\n")
    assert (e.row, e.column) == (1, "账户余额 (acct_balance)") and "thousands separator" in e.detail
    e = _refused(tmp_path, "p.csv", "人员编号,人员类别\nA,9999\n")
    assert (e.row, e.column) == (2, "人员类别 (psn_type)") and "unknown code '9999'" in e.detail


def test_a_field_given_twice_once_renamed_is_refused(tmp_path):
    e = _refused(tmp_path, "p.csv", "人员编号,psn_no\nA,A\n")
    assert e.row == 1 and "psn_no twice: as 人员编号 and as psn_no" in e.detail
    e = _refused(tmp_path, "p.jsonl", '{"psn_no": "A", "人员编号": "A"}\n')
    assert (e.row, e.column) == (1, "人员编号 (psn_no)") and "psn_no twice" in e.detail


def test_a_persons_field_is_a_map_target_the_ledger_does_not_look_for(tmp_path):
    # the ledger has no 账户余额: a line for the persons file alone is not refused as a source missing from the ledger
    m = load_mapping(["账户余额=acct_balance", "人员编号=psn_no"])
    assert (m.columns, m.person_columns) == ({"人员编号": "psn_no"}, {"账户余额": "acct_balance"})
    code, s, found = _audit(tmp_path, "p.csv", "人员编号,账户余额\nA,100.00\n", mapping=("账户余额=acct_balance", "人员编号=psn_no"))
    assert found == {("S1", "acct_pay"): "-50.00"}
    with pytest.raises(AuditInputError, match="did you mean acct_balance"):
        load_mapping(["账户余额=acct_balanse"])


def test_the_institutions_tables_refusals_name_its_headers(tmp_path):
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_time,med_type,机构编码,medfee_sumamt,hifp_pay\n"
                      "S1,A,1101,2023-01-10 10:00:00,11,H1,600.00,200.00\n", encoding="utf-8")
    inst = tmp_path / "inst.csv"
    mapping = ("机构编码=fixmedins_code", "医院等级=hosp_lv")

    def refused(text: str) -> AuditInputError:
        inst.write_text(text, encoding="utf-8")
        with pytest.raises(AuditInputError) as e:
            audit([str(ledger)], "panzhihua", "panzhihua-example", institutions_file=str(inst), mapping=mapping,
                  write=False, workers=1)
        return e.value

    e = refused("机构编码,医院等级\nH1,1\n")  # no [codes.hosp_lv]
    assert e.column == "医院等级 (hosp_lv)"
    e = refused("机构编码,facility\nH1,tertiary\nH1,secondary\n")
    assert (e.row, e.column) == (3, "机构编码 (fixmedins_code)") and "two levels" in e.detail
    e = refused(f"机构编码,facility\n{'H' * 201},tertiary\n")
    assert (e.row, e.column) == (2, "机构编码 (fixmedins_code)") and "longer than 200" in e.detail
