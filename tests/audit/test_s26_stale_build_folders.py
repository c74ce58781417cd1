"""A run killed while writing its report (kill -9, a power cut) leaves its hidden build folder beside --out
(.<name>.<pid>.tmp; .audit-<id>.<pid>.tmp in reports/ for the default folders): the next run removes it, as it
removes those inside an existing --out — but only a folder named so, of a process that is gone, holding nothing but
report files (s26 probe3 F2: 12 MB at 2M rows, gigabytes at ten million, hidden from ls)."""
from __future__ import annotations

import os
import subprocess
import sys

from conform.audit.run import audit

LEDGER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,hifp_pay\n"
          "S1,A,1101,2023-03-01,11,tertiary,500.00,150.00\n")


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _left(folder, *files: str):
    folder.mkdir()
    for f in files:
        (folder / f).write_text("x", encoding="utf-8")
    return folder


def test_a_killed_runs_build_folder_beside_out_is_removed_and_others_kept(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    dead = _dead_pid()
    killed = _left(tmp_path / f".may.{dead}.tmp", "discrepancies.csv", "discrepancies.parquet", "audit.xlsx.part")
    running = _left(tmp_path / f".may.{os.getppid()}.tmp", "discrepancies.csv")       # its process is alive
    users = _left(tmp_path / f".may.{dead + 1}.tmp", "discrepancies.csv", "notes.txt")  # not only report files
    other = _left(tmp_path / f".june.{dead}.tmp", "discrepancies.csv")                 # another --out's
    code, _ = audit([str(ledger)], "panzhihua", "panzhihua-example", out=tmp_path / "may")
    assert code == 0
    assert not killed.exists()
    assert running.exists() and users.exists() and other.exists()
    assert (tmp_path / "may" / "summary.json").is_file()


def test_the_default_folders_killed_build_folders_are_removed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ledger.csv").write_text(LEDGER, encoding="utf-8")
    (tmp_path / "reports").mkdir()
    killed = _left(tmp_path / "reports" / f".audit-20261205T115127870411Z.{_dead_pid()}.tmp", "discrepancies.csv",
                   "tmp_discrepancies.parquet")
    code, _ = audit(["ledger.csv"], "panzhihua", "panzhihua-example")
    assert code == 0
    assert not killed.exists()
    assert (tmp_path / "reports" / "audit-latest" / "summary.json").is_file()
