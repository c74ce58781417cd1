"""What the audit prints on the console is safe for a terminal: a value from an input file (a psn_no in the
"ytd not used" note, a skipped code) is printed escaped, never as a raw control sequence."""
from __future__ import annotations

from click.testing import CliRunner

from conform.audit.cli import _console
from conform.harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")
EVIL = "\x1b]0;PWNED\x07Z"


def test_a_psn_no_with_a_terminal_sequence_is_refused_and_printed_escaped(tmp_path):
    """A control character in an ID is refused (s20: read as written it is another person); the refusal names the
    value escaped, never sending the terminal sequence itself."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\nT1,{EVIL},1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n",
                      encoding="utf-8")
    people = tmp_path / "p.jsonl"
    people.write_text('{"psn_no": "\\u001b]0;PWNED\\u0007Z", "ytd": {"year": 2022, "ordinary_dedc": "150.00"}}\n',
                      encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--persons", str(people), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "line 2, column psn_no" in r.output and "U+001B" in r.output
    assert "\x1b" not in r.output and "\x07" not in r.output
    assert "'\\x1b]0;PWNED\\x07Z'" in r.output


def _summary(**extra) -> dict:
    return {"discrepancies_by_field": {}, "rows_read": 3, "rows_skipped": 0, "skipped_by_code": [], "persons": 1,
            "overpaid_fen": 0, "underpaid_fen": 0, "persons_reference": 0, "unassessed": 0, "elapsed_s": 0.1,
            "rows_per_s": 30, "engine": "duckdb", **extra}


def test_skipped_codes_and_long_ids_are_escaped_and_cut():
    lines = _console(_summary(rows_skipped=2, skipped_by_code=[{"skip": "med_type=\x1b[2J", "rows": 2}],
                              persons_file={"persons": 1, "in_ledger": 1,
                                            "ytd_unused": {"persons": 1, "example_psn_no": "P" * 500, "year": 2022}}))
    text = "\n".join(lines)
    assert "\x1b" not in text and "'med_type=\\x1b[2J' 2" in text
    assert "P" * 59 + "…" in text and "P" * 60 not in text
    plain = _console(_summary(persons_file={"persons": 1, "in_ledger": 1,
                                            "ytd_unused": {"persons": 1, "example_psn_no": "P1", "year": 2022}}))
    assert "例如 psn_no P1，" in plain[-1]  # a printable id is shown as it is, unquoted
