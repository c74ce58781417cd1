"""`conform audit`'s inputs refuse a key given twice, naming the file, the line and the key (exit 2).

YAML and JSON readers keep the last of two equal keys silently: a region file with a second
`ordinary.cap`, a map whose [columns] or [codes.hosp_lv] names a source twice, a person whose
`acct_balance` is given twice would each change figures without a word. A CSV persons file whose
header names a column twice is refused the same way (the ledger's reader refuses its own).
"""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping
from conform.harness.cli import main
from conform.reference.policy import REGION_DIR

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")
P = "3301000000000001"


def _ledger(tmp_path):
    p = tmp_path / "ledger.csv"
    p.write_text(f"{HEADER}\nT1,{P},1101,2023-05-04,11,tertiary,400.00,0,0,0,0,400.00\n", encoding="utf-8")
    return p


def _audit(*args):
    return CliRunner().invoke(main, ["audit", *map(str, args)])


def _refused(r, *fragments):
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert "Traceback" not in r.output
    for f in fragments:
        assert f in r.output, r.output


def test_a_region_file_with_a_second_cap_is_refused(tmp_path):
    lines = (REGION_DIR / "zhejiang-example.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, s in enumerate(lines) if s.lstrip().startswith('ordinary.cap: "2000"'))
    region = tmp_path / "region.yaml"
    region.write_text("".join(lines[:at + 1] + ['  ordinary.cap: "999999"\n'] + lines[at + 1:]), encoding="utf-8")
    r = _audit(_ledger(tmp_path), "--policy", "zhejiang", "--region", region, "--out", tmp_path / "out")
    _refused(r, str(region), f"line {at + 2} column 3", "'ordinary.cap' given twice", f"first on line {at + 1}")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, line, key", [
    ("columns:\n  setl_id: psn_no\n  setl_id: setl_id\n", 3, "setl_id"),
    ('codes:\n  hosp_lv:\n    "1": tertiary\n    "2": secondary\n    "1": primary\n', 5, "1"),
    ("skip:\n  med_type: ['51']\n  med_type: ['52']\n", 3, "med_type"),
])
def test_a_yaml_map_with_a_key_given_twice_is_refused(tmp_path, text, line, key):
    m = tmp_path / "map.yaml"
    m.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        load_mapping([str(m)])
    assert e.value.file == str(m) and e.value.row == line and f"key {key!r} given twice" in e.value.detail, str(e.value)


def test_a_yaml_code_given_bare_and_quoted_is_refused(tmp_path):
    """1: and "1": are one code (a map is read as text, mapping._TextLoader): the last would win."""
    m = tmp_path / "map.yaml"
    m.write_text('codes:\n  hosp_lv:\n    1: tertiary\n    "1": primary\n', encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        load_mapping([str(m)])
    assert e.value.file == str(m) and e.value.row == 4 and "key '1' given twice" in e.value.detail, str(e.value)


def test_the_map_refusal_reaches_the_command_line(tmp_path):
    m = tmp_path / "map.yaml"
    m.write_text("columns:\n  setl_id: psn_no\n  setl_id: setl_id\n", encoding="utf-8")
    r = _audit(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--map", m,
               "--out", tmp_path / "out")
    _refused(r, f"{m}, line 3: key 'setl_id' given twice (first on line 2)")


@pytest.mark.parametrize("name, text, where", [
    ("p.jsonl", f'{{"psn_no": "{P}", "psn_type": "1101"}}\n'
                f'{{"psn_no":"{P[:-1]}2","acct_balance":"100.00","acct_balance":"999999.00"}}\n',
     "line 2: JSON at line 2 column 54: key 'acct_balance' given twice"),
    ("p.jsonl", f'{{"psn_no": "{P}", "ytd": {{"year": 2023, "ordinary_dedc": 1, "ordinary_dedc": 2}}}}\n',
     "line 1: JSON at line 1 column 74: key 'ordinary_dedc' given twice"),
    ("p.json", f'[{{"psn_no": "{P}",\n  "acct_balance": "1.00",\n  "acct_balance": "2.00"}}]',
     "JSON at line 3 column 3: key 'acct_balance' given twice"),
    ("p.yaml", f'- psn_no: "{P}"\n  acct_balance: "100.00"\n  acct_balance: "999999.00"\n',
     "YAML at line 3 column 3: key 'acct_balance' given twice"),
    ("p.csv", f"psn_no,psn_type,acct_balance,acct_balance\n{P},1101,100.00,999999.00\n",
     "line 1, column acct_balance: header names a column twice: acct_balance"),
])
def test_a_person_with_a_key_given_twice_is_refused(tmp_path, name, text, where):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        persons.load(duckdb.connect(), str(f))
    assert str(e.value).startswith(str(f)) and where in str(e.value), str(e.value)


def test_a_json_line_with_a_colon_in_a_value_is_still_read(tmp_path):
    """The fast reader's check counts colons: a colon inside a value sends the line to the exact
    reader, which reads it as it is (a key given once is no duplicate)."""
    f = tmp_path / "p.jsonl"
    f.write_text(f'{{"psn_no": "{P}", "psn_type": "1101", "acct_balance": "12.30", "birth_date": "1960-01-01"}}\n'
                 '{"psn_no": "A:1", "psn_type": "1101"}\n'
                 f'{{"psn_no": "{P[:-1]}3", "ytd": {{"year": 2023, "ordinary_dedc": "1.00"}}}}\n', encoding="utf-8")
    people = persons.load(duckdb.connect(), str(f))
    assert people[P].acct_balance == Decimal("12.30") and "A:1" in people
    assert people[P[:-1] + "3"].ytd.ordinary_dedc == Decimal("1.00")


def test_the_persons_refusal_reaches_the_command_line(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text(f'{{"psn_no":"{P}","acct_balance":"100.00","acct_balance":"999999.00"}}\n', encoding="utf-8")
    r = _audit(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--persons", f,
               "--out", tmp_path / "out")
    _refused(r, f"{f}, line 1:", "key 'acct_balance' given twice")


def test_a_ledger_json_line_with_a_field_given_twice_is_refused_at_its_line(tmp_path):
    """A second hifp_pay on a ledger line (999.99 after 0.00) would be read as recorded and invent a
    999.99 overpayment; the CSV reader already refuses a column named twice."""
    ledger = tmp_path / "ledger.jsonl"
    row = (f'"setl_id": "T{{}}", "psn_no": "{P}", "psn_type": "1101", "setl_date": "2023-05-0{{}}", "med_type": "11", '
           '"facility": "tertiary", "medfee_sumamt": "400.00", "hifp_pay": "0.00"')
    ledger.write_text("{" + row.format(1, 4) + "}\n{" + row.format(2, 5) + ', "hifp_pay": "999.99"}\n', encoding="utf-8")
    _refused(_audit(ledger, "--policy", "zhejiang", "--region", "zhejiang-example"),
             "ledger.jsonl, line 2, column hifp_pay: field 'hifp_pay' given twice")


def test_a_ledger_folder_holding_the_audits_own_reports_is_audited_again_the_same(tmp_path, monkeypatch):
    """Run from the ledger's folder with the default reports/ (or an --out inside it), a second audit read
    the first one's audit.xlsx and discrepancies.* as months of the ledger and refused them."""
    folder = tmp_path / "months"
    folder.mkdir()
    _ledger(folder)
    monkeypatch.chdir(folder)
    runs = [_audit(".", "--policy", "zhejiang", "--region", "zhejiang-example") for _ in range(2)]
    runs.append(_audit(".", "--policy", "zhejiang", "--region", "zhejiang-example", "--out", folder / "mine"))
    runs.append(_audit(".", "--policy", "zhejiang", "--region", "zhejiang-example", "--out", folder / "mine"))
    # 400.00 at 三级 in service: below the 600.00 deductible, the fund pays 0.00 as recorded
    assert [r.exit_code for r in runs] == [0, 0, 0, 0], [r.output for r in runs]
    assert (folder / "reports").is_dir() and (folder / "mine" / "summary.json").is_file()


def test_a_ledger_subfolder_with_a_copied_report_file_is_read_not_left_out(tmp_path):
    """Only a folder of the audit's report files and nothing else is left out: a month beside a copied
    discrepancies.parquet is read, and the copy refused by name, never the month skipped with a clean verdict."""
    folder = tmp_path / "months"
    (folder / "2023-05").mkdir(parents=True)
    _ledger(folder / "2023-05")
    (folder / "2023-05" / "discrepancies.parquet").write_bytes(b"PAR1")
    _refused(_audit(folder, "--policy", "zhejiang", "--region", "zhejiang-example"), "discrepancies.parquet")


def test_a_recursive_glob_leaves_out_the_audits_report_folders(tmp_path, monkeypatch):
    folder = tmp_path / "months"
    folder.mkdir()
    _ledger(folder)
    monkeypatch.chdir(folder)
    first = _audit(".", "--policy", "zhejiang", "--region", "zhejiang-example")
    again = _audit("**/*.csv", "--policy", "zhejiang", "--region", "zhejiang-example")
    assert (first.exit_code, again.exit_code) == (0, 0), again.output


def test_a_duplicate_key_inside_a_nested_value_is_refused_as_nesting_at_its_field(tmp_path):
    """The record's fields are scalars: {"meta": {"a": 1, "a": 2}} is refused at `meta`, not as a field `a`."""
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text('{"setl_id": "T1", "psn_no": "%s", "psn_type": "1101", "setl_date": "2023-05-04", '
                      '"med_type": "11", "facility": "tertiary", "medfee_sumamt": "400.00", "hifp_pay": "0.00", '
                      '"meta": {"a": 1, "a": 2}}\n' % P, encoding="utf-8")
    _refused(_audit(ledger, "--policy", "zhejiang", "--region", "zhejiang-example"), "line 1, column meta")
