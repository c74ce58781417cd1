"""Two ledger columns that --map makes one name both columns and the renaming that did it.

It said "two columns map to setl_id" at the second column alone: the fix is in the map file, which the message
did not name, and the first column was not said.
"""
from __future__ import annotations

from click.testing import CliRunner

from conform.harness.cli import main

ROW = "T1,T1,3301000000000001,1101,2023-05-04,11,tertiary,400.00,0,0,0,0.00\n"
TAIL = "psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,hifp_pay"


def _audit(tmp_path, header: str, columns: str):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{header},{TAIL}\n{ROW}", encoding="utf-8")
    m = tmp_path / "map.yaml"
    m.write_text(f"columns:\n{columns}", encoding="utf-8")
    return CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                     "--map", str(m), "--out", str(tmp_path / "out")])


def test_two_sources_renamed_onto_one_are_both_named(tmp_path):
    r = _audit(tmp_path, "sid,sid2", "  sid: setl_id\n  sid2: setl_id\n")
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    assert ("two columns map to setl_id: sid and sid2 (--map renames sid to setl_id and --map renames sid2 to "
            "setl_id)") in r.output, r.output


def test_a_source_renamed_onto_a_column_the_export_has_is_named(tmp_path):
    r = _audit(tmp_path, "setl_id,sid2", "  sid2: setl_id\n")
    assert r.exit_code == 2, r.output
    assert "two columns map to setl_id: setl_id and sid2 (--map renames sid2 to setl_id)" in r.output, r.output
