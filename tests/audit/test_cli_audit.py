"""`conform audit` from the command line: exit codes 0/1/2, located messages, no traceback, and the
reference engine's trace for a settlement (explain).

By hand (攀枝花 第七条, retiree 1201 at 二级 65%, deductible 150): 400.00 in scope;
(400 − 150) × 65% = 162.50 paid by the fund; the person pays 400 − 162.50 = 237.50.
"""
from __future__ import annotations

import json
import re
import shutil
import signal

import duckdb
import pytest
from click.testing import CliRunner

from audit import fallback
from audit.run import audit
from harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")


def _ledger(tmp_path, fund="162.50", part="237.50"):
    p = tmp_path / "ledger.csv"
    p.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,{fund},{part}\n", encoding="utf-8")
    return p


def _run(*args):
    return CliRunner().invoke(main, ["audit", *map(str, args)])


def test_clean_ledger_exits_0_with_reports(tmp_path):
    out = tmp_path / "out"
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--out", out)
    assert r.exit_code == 0, r.output
    # the time taken as well as the rate: on a one-row ledger the rate alone reads "0 rows/s"
    assert re.search(r"audit: 1 rows, 0 discrepancies, \d+\.\d s, [\d,]+ rows/s \(duckdb\)", r.output), r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["rows_read"] == 1 and s["discrepancies_by_field"] == {"hifp_pay": 0, "psn_part_amt": 0}
    assert duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{out / 'discrepancies.parquet'}')").fetchall() == [(0,)]


def test_overpayment_exits_1(tmp_path):
    out = tmp_path / "out"
    r = _run(_ledger(tmp_path, fund="250.00", part="150.00"), "--policy", "panzhihua", "--region",
             "panzhihua-example", "--out", out)
    assert r.exit_code == 1, r.output
    rows = duckdb.connect().execute(
        f"SELECT field, CAST(recorded AS VARCHAR), CAST(expected AS VARCHAR), CAST(diff AS VARCHAR), clause "
        f"FROM read_parquet('{out / 'discrepancies.parquet'}') ORDER BY field").fetchall()
    assert rows == [("hifp_pay", "250.0000", "162.5000", "87.5000", "攀枝花 第七条"),
                    ("psn_part_amt", "150.0000", "237.5000", "-87.5000", "攀枝花 第七条")]


def test_bad_input_exits_2_with_a_located_message(tmp_path):
    p = _ledger(tmp_path, fund="1.234")
    r = _run(p, "--policy", "panzhihua", "--region", "panzhihua-example", "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert "ledger.csv, line 2, column hifp_pay: not an amount in yuan with at most two decimals: '1.234'" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()


def test_missing_region_value_exits_2(tmp_path):
    r = _run(_ledger(tmp_path), "--policy", "jilin", "--out", tmp_path / "out")
    assert r.exit_code == 2 and "must be supplied by a region configuration" in r.output


def test_explain_gives_the_reference_trace(tmp_path):
    code, s = audit([str(_ledger(tmp_path))], "panzhihua", "panzhihua-example", write=False, keep_connection=True)
    try:
        ctx = fallback.Context(s["_connection"], fallback.RulesSpec("panzhihua", "panzhihua-example"), {})
        e = fallback.explain_settlement(ctx, "T1")
    finally:
        s["_connection"].close()
        shutil.rmtree(s["_workdir"], ignore_errors=True)
    assert e["expected"]["hifp_pay"] == "162.50" and e["expected"]["psn_part_amt"] == "237.50"
    steps = {t["step"]: t for t in e["trace"]}
    assert steps["支付比例"]["clause"] == "攀枝花 第七条" and "162.50" in steps["支付比例"]["text"]


def test_a_memory_limit_that_is_no_size_is_a_configuration_error(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the run's working folder would be left
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--memory-limit", "lots",
             "--out", tmp_path / "out")
    assert r.exit_code == 2 and "memory limit 'lots' (--memory-limit or CONFORM_AUDIT_MEMORY)" in r.output, r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()
    assert not list(tmp_path.glob("conform-audit-*"))  # its working folder is removed too


def test_worker_counts_are_bounded(tmp_path):
    for n in ("0", "-1", "100000"):
        r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--workers", n)
        assert r.exit_code == 2 and "Invalid value for '--workers'" in r.output, r.output


@pytest.mark.parametrize("sig, code, said", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_stopped_audit_leaves_neither_its_working_folder_nor_a_report(tmp_path, sig, code, said):
    """SIGTERM (a CI timeout, `kill`) or Ctrl-C in the middle of reading a 300,000-row ledger: never exit 1,
    which means "discrepancies found"."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    ledger = tmp_path / "ledger.csv"
    body = "".join(f"T{i},P{i % 5000},1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n" for i in range(300_000))
    ledger.write_text(HEADER + "\n" + body, encoding="utf-8")
    work = tmp_path / "tmp"
    work.mkdir()
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "audit", str(ledger), "--policy", "panzhihua",
                             "--region", "panzhihua-example", "--out", str(out)],
                            cwd=Path(__file__).resolve().parents[2], env={**os.environ, "TMPDIR": str(work)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(work.glob("conform-audit-*")):  # the run has started: its working folder exists
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    proc.send_signal(getattr(signal, sig))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, (stdout, stderr)
    assert f"audit {said}; nothing written" in stderr and "Traceback" not in stderr
    assert not list(work.iterdir()) and not out.exists()


def test_rows_that_cannot_be_assessed_keep_the_verdict_from_clean(tmp_path):
    """A settlement of 2019 under 攀枝花's document (in force from 2023): no expected figure exists, so
    the audit says so (exit 2, reason and example in every report) instead of "no discrepancy"."""
    path = tmp_path / "ledger.csv"
    path.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n"
                    "T0,P8,1201,2019-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    out = tmp_path / "out"
    r = _run(path, "--policy", "panzhihua", "--region", "panzhihua-example", "--out", out)
    assert r.exit_code == 2 and "未能审核 1 行" in r.output, r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (s["verdict"], s["exit_code"], s["unassessed"]) == ("incomplete", 2, 1)
    assert [(u["status"], u["rows"], u["example_setl_id"]) for u in s["unassessed_by_reason"]] == \
        [("refused_validity", 1, "T0")]
    assert "未能全部审核：1 行无法审核" in (out / "audit.html").read_text(encoding="utf-8")
    # with a discrepancy as well, the discrepancy decides the exit code; the unassessed row is still told
    path.write_text(path.read_text(encoding="utf-8").replace("162.50,237.50\nT0", "250.00,150.00\nT0"), encoding="utf-8")
    r = _run(path, "--policy", "panzhihua", "--region", "panzhihua-example", "--out", out)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert r.exit_code == 1 and (s["verdict"], s["unassessed"]) == ("discrepancies", 1), r.output


def test_the_command_tells_each_stage_as_it_finishes(tmp_path):
    """A province's ledger takes minutes: stderr names each finished stage, stdout keeps the result."""
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,hifp_pay\n"
                      "S1,P1,1101,2023-03-01 10:00:00,11,tertiary,400.00,100.00\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "out")])
    # 攀枝花 第七条: (400 − 200) × 50% = 100.00, as recorded
    assert r.exit_code == 0, r.output
    said = r.stderr.splitlines()
    assert [line.split()[0] for line in said] == ["读取并校验清单", "按人员分组", "参考实现逐人结算", "重算并比对", "报告"]
    assert "1 行 rows" in said[0] and str(tmp_path / "out") in said[-1]
    assert "读取" not in r.stdout
