"""Untrusted text is bounded and escaped alike in every output: a reference note repeating a long dise_codg
is cut in summary.json as in the page and the workbook; a control character from the ledger (a NUL in a
fixmedins_name) is written \\x00 in audit.html and discrepancies.csv as in audit.xlsx, never raw."""
from __future__ import annotations

import json

from _synth_fixtures import summary_for, write_discrepancies
from openpyxl import load_workbook

from conform.audit import run
from conform.audit.report import write_reports
from conform.audit.run import audit

NAME = "人民医院\x00\x1b[2J\x07"
SHOWN = "人民医院\\x00\\x1b[2J\\x07"


def test_a_long_dise_codg_note_is_cut_in_summary_json(tmp_path, monkeypatch):
    """The note is cut at MAX_NOTE (2000), here lowered to 300: the ledger refuses a code longer than a code
    can be (conform/audit/ledger.py), and the note of one of 190 characters, which names it twice, is longer."""
    monkeypatch.setattr(run, "MAX_NOTE", 300, raising=False)
    code = "M" + "9" * 189  # a code the region has no figures for: the reference engine's note names it twice
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,hifp_pay\n"
                      f"S4,C,1101,2023-03-01,14,primary,{code},100.00,0.00\n", encoding="utf-8")
    out = tmp_path / "out"
    rc, s = audit([str(ledger)], "panzhihua", "panzhihua-example", None, out=str(out))
    assert rc == 2 and s["unassessed"] == 1
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (detail,) = written["unassessed_by_reason"][0]["details"]
    # cut by the reports' one rule (report.model.cut): at most 300, at a pause, marked "…"
    assert 150 < len(detail["note"]) <= 300 and detail["note"].endswith("…")
    assert detail["note"].startswith("参数 chronic.M999")
    assert (out / "summary.json").read_text(encoding="utf-8").count(code) <= 1  # the note named it twice


def test_a_control_character_is_escaped_alike_in_page_csv_and_workbook(tmp_path):
    disc = write_discrepancies(tmp_path / "d.parquet", [
        {"setl_id": "S\x001", "fixmedins_name": NAME, "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"},
        {"setl_id": "S2", "fixmedins_name": "=1+1\x00", "field": "hifp_pay", "recorded": "250.00", "expected": "150.00"}])
    out = tmp_path / "out"
    write_reports(out, disc, summary_for(disc))
    page = (out / "audit.html").read_text(encoding="utf-8")
    csv = (out / "discrepancies.csv").read_text(encoding="utf-8")
    for text in (page, csv):
        assert "\x00" not in text and "\x1b" not in text and "\x07" not in text
    assert SHOWN in page and "S\\x001" in page
    assert '"S\\x001","P1",' in csv and f'"{SHOWN}"' in csv
    assert "\"'=1+1\\x00\"" in csv  # still guarded against a formula
    wb = load_workbook(out / "audit.xlsx")
    rows = list(wb["差异明细"].iter_rows(min_row=2, values_only=True))
    assert "S\\x001" in {r[0] for r in rows} and SHOWN in {c for r in rows for c in r}
