"""An interrupted or terminated `conform audit --out DIR` notes an earlier audit's report left in DIR, as a
failed run does (probe s29 U2 F7): it said only "nothing written", and the earlier, different report read as
this run's.

The earlier report: 攀枝花 第七条, retiree 1201 at 二级 65%, deductible 150: (400 − 150) × 65% = 162.50 paid by the
fund, recorded so: a clean ledger, exit 0."""
from __future__ import annotations

import signal

import duckdb
import pytest
from click.testing import CliRunner

from conform.harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")


def _audit(ledger, out):
    return CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                     "--out", str(out)])


def _earlier(tmp_path):
    ledger = tmp_path / "earlier.csv"
    ledger.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    out = tmp_path / "out"
    r = _audit(ledger, out)
    assert r.exit_code == 0, r.output
    return ledger, out, (out / "summary.json").read_bytes()


def _note(out) -> str:
    return (f"conform: note: the files in {out} are an earlier run's report, left unchanged: this run wrote "
            f"no report（{out} 中的文件是此前一次稽核的报告，未改动：本次稽核没有写出报告）")


@pytest.mark.parametrize("sig, code, said", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_stopped_audit_notes_the_earlier_report_left_in_out(tmp_path, monkeypatch, sig, code, said):
    ledger, out, before = _earlier(tmp_path)
    from conform.audit import interrupt, run

    def stopped_in_a_query(*_a, **_k):  # a signal during a DuckDB query, as DuckDB reports it
        interrupt.receive(getattr(signal, sig))
        raise duckdb.InterruptException("INTERRUPT Error: Query interrupted")

    monkeypatch.setattr(run, "audit", stopped_in_a_query)
    r = _audit(ledger, out)
    assert r.exit_code == code, r.output
    lines = r.output.splitlines()
    assert f"conform: audit {said}; nothing written" in lines and _note(out) in lines, r.output
    assert (out / "summary.json").read_bytes() == before  # the earlier report is the user's: left as it was


def test_a_ctrl_c_outside_the_handler_notes_it_too(tmp_path, monkeypatch):
    ledger, out, _ = _earlier(tmp_path)
    from conform.audit import run

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "audit", interrupted)
    r = _audit(ledger, out)
    assert r.exit_code == 130 and _note(out) in r.output.splitlines(), r.output


def test_a_stopped_audit_into_a_new_folder_says_no_earlier_report(tmp_path, monkeypatch):
    from conform.audit import interrupt, run

    def stopped(*_a, **_k):
        interrupt.receive(signal.SIGTERM)
        raise duckdb.InterruptException("INTERRUPT Error: Query interrupted")

    monkeypatch.setattr(run, "audit", stopped)
    ledger = tmp_path / "l.csv"
    ledger.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    r = _audit(ledger, tmp_path / "fresh")
    assert r.exit_code == 143 and "earlier run" not in r.output and not (tmp_path / "fresh").exists(), r.output
