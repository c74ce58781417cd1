"""--out takes a new or empty folder, or one holding an earlier audit report only: a folder whose files are
merely named like the report's is a user's, and is refused before any work, its files untouched."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from _synth_fixtures import summary_for, write_discrepancies
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.audit.report import FILES, check_out_dir, write_reports
from conform.harness.cli import main

ROWS = [{"setl_id": "S1", "psn_no": "P1", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"}]


def _audit(tmp_path: Path, out: Path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "T1,P1,1101,2023-05-04,11,tertiary,400.00,0.00\n", encoding="utf-8")
    return CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                     "--out", str(out)])


def test_a_users_summary_json_is_not_taken_for_an_earlier_report(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "summary.json").write_text('{"experiment":"mine"}', encoding="utf-8")
    r = _audit(tmp_path, theirs)
    assert r.exit_code == 2, r.output
    assert f"output folder {theirs} holds summary.json but no summary.json written by conform audit" in r.output
    assert "读取并校验清单" not in r.output and "Traceback" not in r.output  # refused before any work
    assert (theirs / "summary.json").read_text(encoding="utf-8") == '{"experiment":"mine"}'


def test_a_folder_named_like_a_report_file_is_refused_and_kept(tmp_path):
    theirs = tmp_path / "theirs2"
    (theirs / "audit.html").mkdir(parents=True)
    (theirs / "audit.html" / "thesis.docx").write_text("precious", encoding="utf-8")
    r = _audit(tmp_path, theirs)
    assert r.exit_code == 2, r.output
    assert "holds audit.html, which is a folder, not a file of an audit report" in r.output
    assert (theirs / "audit.html" / "thesis.docx").read_text(encoding="utf-8") == "precious"


def test_report_files_without_a_summary_or_as_links_are_refused(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "discrepancies.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(AuditInputError, match="holds discrepancies.csv but no summary.json written by conform audit"):
        check_out_dir(out)
    (out / "discrepancies.csv").unlink()
    elsewhere = tmp_path / "notes.txt"
    elsewhere.write_text("mine", encoding="utf-8")
    (out / "audit.html").symlink_to(elsewhere)
    with pytest.raises(AuditInputError, match="holds audit.html, which is a symbolic link"):
        check_out_dir(out)
    assert elsewhere.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("text", ["[1, 2]", "not json", '{"verdict": "great", "exit_code": 0, '
                                  '"discrepancies_by_field": {}, "policy": "x", "rows_read": 1}',
                                  '{"verdict": "clean", "exit_code": 0, "policy": "x", "rows_read": 1}'])
def test_a_summary_json_must_carry_the_reports_own_keys(tmp_path, text):
    out = tmp_path / "o"
    out.mkdir()
    (out / "summary.json").write_text(text, encoding="utf-8")
    with pytest.raises(AuditInputError, match="no summary.json written by conform audit"):
        check_out_dir(out)


def test_an_earlier_report_is_still_replaced(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", ROWS)
    out = tmp_path / "out"
    assert write_reports(out, disc, summary_for(disc)) == 1
    first = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (out / "audit.xlsx").unlink()  # a partial report of this tool: still its own
    assert write_reports(out, write_discrepancies(tmp_path / "e.parquet", []), summary_for(disc, rows_read=7)) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["rows_read"] == 7 != first["rows_read"]
