"""A persons file that cannot apply is refused, not ignored; and the audit's messages for a few
wrong arguments say what is wrong (exit 2, no traceback).

- An ID Excel turned into a number (3.30100000000000E+15) is refused as the ledger's reader refuses it.
- summary.json says how many persons the file gave and how many of them the ledger has
  (`persons_file`); a file none of whose persons is in the ledger is refused (another month's file, or
  psn_no damaged), and so is a file with no persons at all (0 bytes, blank, a header only, []).
- `--persons` of a Parquet file or a workbook names the formats it takes; a folder is called a folder
  (for --map too).
- `--policy zhejiang` without `--region` asks for --region and names the example region file.
- A negative or zero --memory-limit (or CONFORM_AUDIT_MEMORY) is refused: DuckDB reads -5GB as no limit.
"""
from __future__ import annotations

import json

import duckdb
import openpyxl
import pytest
from click.testing import CliRunner

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from conform.harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")
P, Q = "5104000000000123", "5104000000000456"
SCI = "3.30100000000000E+15"


def _ledger(tmp_path):
    """攀枝花 第七条, retiree 1201 at 二级 65%, deductible 150: (400 − 150) × 65% = 162.50."""
    p = tmp_path / "ledger.csv"
    p.write_text(f"{HEADER}\nT1,{P},1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n"
                 f"T2,{Q},1201,2023-05-05,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    return p


def _run(*args, env=None):
    return CliRunner().invoke(main, ["audit", *map(str, args)], env=env)


def _refused(r, *fragments):
    assert r.exit_code == 2, (r.exit_code, r.output)
    assert "Traceback" not in r.output and r.output.count("conform: error:") == 1, r.output
    for f in fragments:
        assert f in r.output, r.output


PZH = ("--policy", "panzhihua", "--region", "panzhihua-example")


@pytest.mark.parametrize("name, text, line", [
    ("p.csv", f"psn_no,psn_type,acct_balance\n{P},1201,1.00\n{SCI},1101,100.00\n", 3),
    ("p.jsonl", f'{{"psn_no": "{SCI}", "psn_type": "1101"}}\n', 1),
    ("p.tsv", f"psn_no\tacct_balance\n {SCI.lower()} \t100.00\n", 2),
])
def test_an_id_excel_turned_into_a_number_is_refused(tmp_path, name, text, line):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        persons.load(duckdb.connect(), str(f))
    assert (e.value.file, e.value.row, e.value.column) == (str(f), line, "psn_no"), str(e.value)
    assert "Excel keeps only 15 significant digits" in e.value.detail and "文本" in e.value.detail


def test_the_excel_id_is_refused_on_the_command_line(tmp_path):
    f = tmp_path / "p3.csv"
    f.write_text(f"psn_no,psn_type,acct_balance\n{SCI},1101,100.00\n", encoding="utf-8")
    _refused(_run(_ledger(tmp_path), *PZH, "--persons", f, "--out", tmp_path / "out"),
             f"{f}, line 2, column psn_no: an ID that Excel turned into a number", "format the column as text (文本)")
    assert not (tmp_path / "out").exists()


def test_summary_counts_the_persons_of_the_file_and_those_in_the_ledger(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text(f'{{"psn_no": "{P}"}}\n{{"psn_no": "5104000000000999"}}\n{{"psn_no": "5104000000000998"}}\n',
                 encoding="utf-8")
    code, s = audit([str(_ledger(tmp_path))], "panzhihua", "panzhihua-example", str(f), write=False)
    absent = {"persons": 2, "example_psn_no": "5104000000000999", "line": 2}  # the first, by line, of the two
    assert code == 0 and s["persons_file"] == {"persons": 3, "in_ledger": 1, "ytd_unused": None,
                                               "not_in_ledger": absent, "flex_tier_unused": None}
    out = tmp_path / "out"
    assert _run(_ledger(tmp_path), *PZH, "--persons", f, "--out", out).exit_code == 0
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["persons_file"] == {
        "persons": 3, "in_ledger": 1, "ytd_unused": None, "not_in_ledger": absent, "flex_tier_unused": None}
    sheet = openpyxl.load_workbook(out / "audit.xlsx", read_only=True)["概要"]
    said = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert said["人员信息未用 persons not in the ledger"] == "2 人在清单中没有结算（例如第 2 行 psn_no 5104000000000999）"
    _, s = audit([str(_ledger(tmp_path))], "panzhihua", "panzhihua-example", write=False)
    assert s["persons_file"] is None


def test_opening_totals_of_a_year_the_ledger_has_no_settlement_of_are_said_to_be_unused(tmp_path):
    """The ledger is of 2023. P's ytd is for 2022: it changes no figure, and the run says so (summary, 概要,
    console). Q's ytd of 2023 applies; R's of 2022 is of a person not in the ledger (counted as such already)."""

    f = tmp_path / "p.jsonl"
    ytd = '"ytd": {{"year": {y}, "ordinary_dedc": "150.00"}}'
    f.write_text(f'{{"psn_no": "{P}", {ytd.format(y=2022)}}}\n{{"psn_no": "{Q}", {ytd.format(y=2023)}}}\n'
                 f'{{"psn_no": "5104000000000999", {ytd.format(y=2022)}}}\n', encoding="utf-8")
    out = tmp_path / "out"
    r = _run(_ledger(tmp_path), *PZH, "--persons", f, "--out", out)
    # Q's deductible already met in 2023: 400 × 65% = 260.00 recorded as 162.50 → a discrepancy (exit 1)
    assert r.exit_code == 1, r.output
    pf = json.loads((out / "summary.json").read_text(encoding="utf-8"))["persons_file"]
    assert pf == {"persons": 3, "in_ledger": 2, "ytd_unused": {"persons": 1, "example_psn_no": P, "year": 2022},
                  "not_in_ledger": {"persons": 1, "example_psn_no": "5104000000000999", "line": 3},
                  "flex_tier_unused": None}
    assert f"1 人的年初累计（ytd）所属年度在清单中没有其结算，未计入（例如 psn_no {P}，ytd 年度 2022）" in r.output
    sheet = openpyxl.load_workbook(out / "audit.xlsx", read_only=True)["概要"]
    said = {row[0]: row[1] for row in sheet.iter_rows(values_only=True)}
    assert said["人员信息文件 --persons"] == "3 人，其中 2 人在清单中"
    assert f"例如 psn_no {P}，ytd 年度 2022" in said["年初累计未使用 ytd not used"]
    assert "年初累计未使用" in (out / "audit.html").read_text(encoding="utf-8")


def test_a_persons_file_of_which_nobody_is_in_the_ledger_is_refused(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("psn_no,psn_type,acct_balance\n3301000000000000,1101,100.00\n3301000000000001,1101,5.00\n",
                 encoding="utf-8")
    _refused(_run(_ledger(tmp_path), *PZH, "--persons", f, "--out", tmp_path / "out"),
             f"none of the 2 persons in {f} is in the ledger (a different file, or its psn_no damaged?)")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, text, said", [
    ("p.jsonl", "", "the file is empty (0 bytes)"),
    ("p.csv", "", "the file is empty (0 bytes)"),
    ("p.csv", "\n \n", "blank lines only"),
    ("p.csv", "psn_no,psn_type\n", "a header only"),
    ("p.json", "[]", "an empty list"),
    ("p.yaml", "# nobody\n", "an empty list (or only comments)"),
])
def test_a_persons_file_with_no_persons_is_refused(tmp_path, name, text, said):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    _refused(_run(_ledger(tmp_path), *PZH, "--persons", f, "--out", tmp_path / "out"),
             f"{f}: no persons: ", said, "leave --persons out")


@pytest.mark.parametrize("name, data, said", [
    ("p.parquet", None, "a Parquet file is not a format the persons file takes (JSON lines, JSON, YAML or CSV/.txt/.tsv)"),
    ("p.xlsx", b"PK\x03\x04rest of a zip", "an Excel workbook is not a format the persons file takes"),
    ("p.xls", b"\xd0\xcf\x11\xe0rest", "an Excel workbook is not a format"),
    ("persons", b"PAR1rest", "a Parquet file is not a format"),  # named by its first bytes
])
def test_a_persons_file_in_another_format_names_the_formats_taken(tmp_path, name, data, said):
    f = tmp_path / name
    if data is None:
        duckdb.sql(f"COPY (SELECT '{P}' AS psn_no) TO '{f}' (FORMAT parquet)")
    else:
        f.write_bytes(data)
    r = _run(_ledger(tmp_path), *PZH, "--persons", f, "--out", tmp_path / "out")
    _refused(r, said)
    assert "encoding" not in r.output
    assert ("COPY (FROM" in r.output) if "Parquet" in said else ("CSV" in r.output and "文本" in r.output)


def test_the_parquet_advice_converts_the_file(tmp_path):
    """The advice given works: DuckDB's JSON lines are read as the persons file."""
    f = tmp_path / "p.parquet"
    duckdb.sql(f"COPY (SELECT '{P}' AS psn_no, CAST(12.30 AS DECIMAL(12, 2)) AS acct_balance) TO '{f}' (FORMAT parquet)")
    msg = _run(_ledger(tmp_path), *PZH, "--persons", f, "--out", tmp_path / "out").output
    sql = msg[msg.index("COPY (FROM"):].strip().replace("'persons.jsonl'", f"'{tmp_path / 'persons.jsonl'}'")
    duckdb.sql(sql)
    people = persons.load(duckdb.connect(), str(tmp_path / "persons.jsonl"))
    assert str(people[P].acct_balance) == "12.30"


def test_a_folder_given_as_persons_file_or_map_is_called_a_folder(tmp_path):
    d = tmp_path / "folder"
    d.mkdir()
    _refused(_run(_ledger(tmp_path), *PZH, "--persons", d, "--out", tmp_path / "out"),
             f"{d}: is a folder, not a persons file")
    _refused(_run(_ledger(tmp_path), *PZH, "--map", d, "--out", tmp_path / "out"), f"{d}: is a folder, not a mapping file")


def test_a_framework_without_region_asks_for_region_and_names_the_example(tmp_path):
    r = _run(_ledger(tmp_path), "--policy", "zhejiang", "--out", tmp_path / "out")
    _refused(r, "must be supplied by a region configuration", "give --region",
             "--region zhejiang-example (the shipped examples: conform list regions)")
    assert "params" not in r.output


def test_a_region_file_without_the_value_is_asked_for_it(tmp_path):
    region = tmp_path / "region.yaml"
    region.write_text("policy: zhejiang\nname: test\nvalues: {}\n", encoding="utf-8")
    r = _run(_ledger(tmp_path), "--policy", "zhejiang", "--region", region, "--out", tmp_path / "out")
    _refused(r, f"add it under `values:` in the --region file ({region})")
    assert "params" not in r.output


@pytest.mark.parametrize("limit, said", [("-5GB", "a negative limit"), (" -1 GiB", "a negative limit"),
                                         ("0", "a zero limit"), ("0GB", "a zero limit"), ("0.0MB", "a zero limit")])
def test_a_negative_or_zero_memory_limit_is_refused(tmp_path, limit, said):
    _refused(_run(_ledger(tmp_path), *PZH, "--memory-limit", limit, "--out", tmp_path / "out"),
             f"memory limit {limit!r} (--memory-limit or CONFORM_AUDIT_MEMORY): {said}", "4GB")
    _refused(_run(_ledger(tmp_path), *PZH, "--out", tmp_path / "out", env={"CONFORM_AUDIT_MEMORY": limit}), said)


def test_a_positive_memory_limit_is_kept(tmp_path):
    assert _run(_ledger(tmp_path), *PZH, "--memory-limit", "1GB", "--out", tmp_path / "out").exit_code == 0
