"""The persons file's psn_no is read by the ledger's rule for IDs (conform/audit/ledger.py, sources.id_text/ODD_ID_RE).

Trimmed of ASCII spaces and tabs (and Excel's ="…" / '… wrapper), so " 5104…102 " is the ledger's 5104…102; refused,
with the file, line, column and (for an odd character) the character named, exit 2, where the ledger refuses the cell:
U+3000, NBSP, NUL, a full-width digit, a float's '.0'; refused as a missing psn_no is: "" and a blank one; refused with
a word to quote it: a JSON number (an integer loses leading zeros, and any number digits past 15–17 significant ones).
A CSV cell and a YAML scalar are text as written, so 5104000000000102 there is the ID it reads.
"""
from __future__ import annotations

import json

import duckdb
import pytest

from conform.audit import persons
from conform.audit.errors import AuditInputError
from conform.audit.run import audit

LEDGER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay\n"
          "S1,5104000000000101,1101,2023-01-10,11,secondary,300.00,200.00,60.00\n"
          "S2,5104000000000102,1101,2023-01-10,11,secondary,300.00,200.00,60.00\n")


def _load(tmp_path, line: str, suffix=".jsonl"):
    f = tmp_path / f"persons{suffix}"
    f.write_text(line, encoding="utf-8")
    return persons.load(duckdb.connect(), str(f))


@pytest.mark.parametrize("written", [" 5104000000000102 ", "5104000000000102\t", "\t5104000000000102",
                                     " ='5104000000000102'".replace("'", '"'), "'5104000000000102 "])
def test_spaces_tabs_and_excel_wrappers_around_psn_no_are_trimmed_as_in_the_ledger(tmp_path, written):
    people = _load(tmp_path, json.dumps({"psn_no": written, "retire_date": "2023-07-01"}) + "\n")
    assert list(people) == ["5104000000000102"]


def test_a_trimmed_psn_no_matches_the_ledger_person(tmp_path):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    (tmp_path / "p.jsonl").write_text(json.dumps({"psn_no": " 5104000000000102 ", "ytd": {"year": 2023}}) + "\n",
                                      encoding="utf-8")
    code, s = audit([str(tmp_path / "l.csv")], "panzhihua", "panzhihua-example", str(tmp_path / "p.jsonl"), write=False)
    assert s["persons_file"]["in_ledger"] == 1  # was 0: " 5104…102 " matched no one (then refused: none in the ledger)


@pytest.mark.parametrize("written, said", [("5104000000000102\u3000", "U+3000 (ideographic space"),
                                           ("5104000000000102\u00a0", "U+00A0 (no-break space"),
                                           ("5104\x0000000000102", "U+0000 (NUL)"),
                                           ("５104000000000102", "U+FF15 (fullwidth digit five")])
def test_a_character_no_id_holds_is_refused_with_the_line_and_the_character(tmp_path, written, said):
    with pytest.raises(AuditInputError) as e:
        _load(tmp_path, '{"psn_no": "P1"}\n' + json.dumps({"psn_no": written}) + "\n")
    assert (e.value.row, e.value.column) == (2, "psn_no") and said in e.value.detail


@pytest.mark.parametrize("written", ["", "   ", "\t"])
def test_an_empty_or_blank_psn_no_is_refused_as_a_missing_one(tmp_path, written):
    with pytest.raises(AuditInputError) as e:
        _load(tmp_path, '{"psn_no": "P1"}\n' + json.dumps({"psn_no": written, "retire_date": "2023-07-01"}) + "\n")
    assert (e.value.row, e.value.column) == (2, "psn_no") and e.value.detail.startswith("missing")


def test_a_psn_no_a_float_column_wrote_is_refused_as_in_the_ledger(tmp_path):
    with pytest.raises(AuditInputError, match="floating-point") as e:
        _load(tmp_path, json.dumps({"psn_no": "5104000000000230.0"}) + "\n")
    assert (e.value.row, e.value.column) == (1, "psn_no")


@pytest.mark.parametrize("written, shown", [("5104000000000102", '(5104000000000102)'),
                                            ("102", "(102)"),
                                            # read exactly (a Decimal), said as the number it is, never Decimal('…')
                                            ("5.104000000000102e15", "(5104000000000102)")])
def test_a_json_number_for_psn_no_is_refused_saying_to_quote_it(tmp_path, written, shown):
    with pytest.raises(AuditInputError) as e:
        _load(tmp_path, '{"psn_no": "P1"}\n{"psn_no": ' + written + ', "retire_date": "2023-07-01"}\n')
    assert (e.value.row, e.value.column) == (2, "psn_no")
    assert f"psn_no written as a number {shown}" in e.value.detail and "quoted text" in e.value.detail
    assert "Decimal" not in str(e.value)


def test_csv_and_yaml_read_digits_as_text(tmp_path):
    assert list(_load(tmp_path, "psn_no,retire_date\n5104000000000102,2023-07-01\n", ".csv")) == ["5104000000000102"]
    assert list(_load(tmp_path, "- psn_no: 0104000000000102\n", ".yaml")) == ["0104000000000102"]
