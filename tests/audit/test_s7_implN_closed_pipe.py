"""A closed output pipe (`conform audit … 2>&1 | head -1`, a log collector that died) ends no run
(raudit4 D7): before, the audit's next progress line raised BrokenPipeError and the run ended with exit 1 —
"discrepancies found" to a CI job — and no report; `conform run | head -1` of a conformant system exited 1.
Now what is written there afterwards is dropped and the run ends with its own verdict's code; a command
that does stop for it (`conform settle … | head`) exits 141 (128 + SIGPIPE), never 1.

The ledger by hand, 南昌 (in-service, 二级: 1000.00 in scope, deductible 600.00 a year, then 55%):
(1000.00 − 600.00) × 55% = 220.00 from the fund, as recorded: clean, exit 0.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay\nN1,A,1101,2023-03-01 10:00:00,11,secondary,1000.00,1000.00,600.00,220.00,0.5500\n")


def _conform(tmp_path: Path, args: list[str], closed: str) -> tuple[int, str]:
    """Run `conform ARGS`; `closed` names the stream ("stderr": after its first line, "stdout": at once) whose
    reader goes away. Returns the exit code and what the other stream said."""
    work = tmp_path / "tmp"
    work.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(work), "CONFORM_AUDIT_WORKDIR": str(work), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if closed == "stderr":
            proc.stderr.readline()  # the reader takes one line and leaves, as `head -1` does
            proc.stderr.close()
            other = proc.stdout.read()
        else:
            proc.stdout.close()
            other = proc.stderr.read()
        return proc.wait(timeout=300), other.decode("utf-8", "replace")
    finally:
        proc.kill()
        proc.wait()


def test_an_audit_whose_stderr_reader_left_ends_with_its_verdict_and_its_report(tmp_path):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    args = ["audit", str(tmp_path / "l.csv"), "--policy", "nanchang", "--region", "nanchang-example",
            "--workers", "1", "--out", str(tmp_path / "report")]
    code, out = _conform(tmp_path, args, "stderr")
    assert code == 0, out
    assert "差异 0 项" in out  # the verdict's lines on stdout are still written
    s = json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))
    assert (s["verdict"], s["exit_code"], s["rows_read"]) == ("clean", 0, 1)


def test_an_audit_whose_stdout_reader_left_ends_with_its_verdict(tmp_path):
    (tmp_path / "l.csv").write_text(LEDGER, encoding="utf-8")
    args = ["audit", str(tmp_path / "l.csv"), "--policy", "nanchang", "--region", "nanchang-example",
            "--workers", "1", "--out", str(tmp_path / "report")]
    code, err = _conform(tmp_path, args, "stdout")
    assert code == 0, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert (tmp_path / "report" / "summary.json").is_file()


def test_a_conformance_run_whose_stdout_reader_left_keeps_its_exit_code(tmp_path):
    """The reference engine against 北京's 23 checks of article 3: conformant, 0 (before: 1, non-conformance)."""
    code, err = _conform(tmp_path, ["run", "--article", "beijing-3", "--format", "json", "--out", str(tmp_path / "r")],
                         "stdout")
    assert code == 0, err
    assert json.loads((tmp_path / "r" / "results.json").read_text(encoding="utf-8"))["checks"], err


def test_settle_stopped_by_a_closed_pipe_exits_141_not_1(tmp_path):
    case = json.loads((ROOT / "conform" / "fixtures" / "cases" / "panzhihua.json").read_text(encoding="utf-8"))
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(case, ensure_ascii=False) + "\n" for _ in range(2000)), encoding="utf-8")
    code, err = _conform(tmp_path, ["settle", "--jsonl", str(cases)], "stdout")
    assert code == 141, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
