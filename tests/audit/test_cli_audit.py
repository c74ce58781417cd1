"""`conform audit` from the command line: exit codes 0/1/2, located messages, no traceback, and the
reference engine's trace for a settlement (explain).

By hand (攀枝花 第七条, retiree 1201 at 二级 65%, deductible 150): 400.00 in scope;
(400 − 150) × 65% = 162.50 paid by the fund; the person pays 400 − 162.50 = 237.50.
"""
from __future__ import annotations

import json
import os
import re
import signal

import duckdb
import pytest
from click.testing import CliRunner

from conform.audit import fallback
from conform.harness.cli import main
from _kept import kept_audit

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
    # the time taken always; the rate only when the run is long enough for it to mean something
    assert re.search(r"audit: 1 rows, 0 discrepancies, \d+\.\d s(, [1-9][\d,]* rows/s)? \(duckdb\)", r.output), r.output
    assert "稽核完成：1 行，1 人，差异 0 项，多付 0.00 元，少付 0.00 元（参考实现结算 0 人）" in r.output
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
    # the ledger holds 2023 from 05-04 and P9 has no ytd: the deductible left rests on A-AUDIT-YTD-FROM-LEDGER
    cited = "攀枝花 第七条；A-AUDIT-YTD-FROM-LEDGER"
    assert rows == [("hifp_pay", "250.0000", "162.5000", "87.5000", cited),
                    ("psn_part_amt", "150.0000", "237.5000", "-87.5000", cited)]


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
    with kept_audit([str(_ledger(tmp_path))], "panzhihua", "panzhihua-example", write=False) as (code, s, con):
        ctx = fallback.Context(con, fallback.RulesSpec("panzhihua", "panzhihua-example"), {})
        e = fallback.explain_settlement(ctx, "T1")
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


def _stopped_run(tmp_path, sig: str, after: str | None, rows: int = 300_000):
    """`conform audit` of a `rows`-row ledger, sent `sig` once it has started (after=None) or once it has
    printed the progress line starting with `after`; (returncode, stdout, stderr, working folder, out)."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    ledger = tmp_path / "ledger.csv"
    body = "".join(f"T{i},P{i % 5000},1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n" for i in range(rows))
    ledger.write_text(HEADER + "\n" + body, encoding="utf-8")
    work = tmp_path / "tmp"
    work.mkdir()
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "conform.harness.cli", "audit", str(ledger), "--policy", "panzhihua",
                             "--region", "panzhihua-example", "--out", str(out)],
                            cwd=Path(__file__).resolve().parents[2], env={**os.environ, "TMPDIR": str(work)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    if after is None:
        deadline = time.monotonic() + 60
        while not list(work.glob("conform-audit-*")):  # the run has started: its working folder exists
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
    else:
        while not (seen and seen[-1].strip().startswith(after)):
            line = proc.stderr.readline()
            assert line, (seen, proc.communicate())
            seen.append(line)
    proc.send_signal(getattr(signal, sig))
    stdout, stderr = proc.communicate(timeout=120)
    return proc.returncode, stdout, "".join(seen) + stderr, work, out


# Before the report is published, wherever the signal lands: while the ledger is read, or once it is,
# in the middle of the plan's queries (DuckDB stops the query and reports 'Query interrupted').
@pytest.mark.parametrize("after", [None, "读取并校验清单"])
@pytest.mark.parametrize("sig, code, said", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_stopped_audit_leaves_neither_its_working_folder_nor_a_report(tmp_path, sig, code, said, after):
    """SIGTERM (a CI timeout, `kill`) or Ctrl-C in the middle of a run: never exit 1, which means
    "discrepancies found", nor 3 ("internal error")."""
    rc, stdout, stderr, work, out = _stopped_run(tmp_path, sig, after)
    assert rc == code, (stdout, stderr)
    assert f"audit {said}; nothing written" in stderr and "Traceback" not in stderr and "internal error" not in stderr
    assert not list(work.iterdir()) and not out.exists()


@pytest.mark.parametrize("sig, code, said", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_signal_that_duckdb_turned_into_its_own_error_is_still_the_signal(tmp_path, monkeypatch, sig, code, said):
    """A signal during a DuckDB query comes back as DuckDB's 'Query interrupted' (the handler's exception is
    replaced), which would read as an internal error (exit 3): the signal noted decides."""
    from conform.audit import interrupt, run

    def stopped_in_a_query(*_a, **_k):
        interrupt.receive(getattr(signal, sig))
        raise duckdb.InterruptException("INTERRUPT Error: Query interrupted")

    monkeypatch.setattr(run, "audit", stopped_in_a_query)
    r = _run(_ledger(tmp_path), "--policy", "panzhihua")
    assert r.exit_code == code and f"audit {said}; nothing written" in r.output and "internal error" not in r.output, r.output


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_signal_after_the_report_is_published_does_not_unsay_it(tmp_path, sig):
    """Once the report is in place the audit is done: a late signal lets the run end with its verdict
    (here 1: a person's second visit owes no deductible, so 162.50 is short), not 'nothing written'."""
    rc, stdout, stderr, work, out = _stopped_run(tmp_path, sig, "报告 report", rows=20_000)
    assert rc == 1, (stdout, stderr)
    assert "nothing written" not in stderr and "Traceback" not in stderr
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["exit_code"] == 1
    assert not list(work.iterdir())


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
    # the fund's totals are the assessed rows' (T1 alone): the 概要 sheet says so beside the figure
    from openpyxl import load_workbook

    overview = dict(load_workbook(out / "audit.xlsx")["概要"].iter_rows(min_row=2, values_only=True))
    assert overview["清单记录统筹支付 recorded hifp_pay（元），仅计已审核的结算 assessed rows only（未能审核 1 行）"] == 162.5
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
    # the ledger holds 2023 from 03-01 only: said before the figures (A-AUDIT-YTD-FROM-LEDGER)
    assert [line.split()[0] for line in said] == ["读取并校验清单", "按人员分组", "注意", "参考实现逐人结算", "重算并比对", "报告"]
    assert "清单 2023 年的结算自 2023-03-01 起" in said[2]
    assert "1 行 rows" in said[0] and str(tmp_path / "out") in said[-1]
    assert "读取" not in r.stdout


def test_the_console_tells_underpayment_as_well_as_overpayment(tmp_path):
    """Recorded 100.00 where 攀枝花 第七条 gives 162.50: the fund underpaid 62.50, and the console says so."""
    r = _run(_ledger(tmp_path, fund="100.00", part="300.00"), "--policy", "panzhihua", "--region",
             "panzhihua-example", "--out", tmp_path / "out")
    assert r.exit_code == 1, r.output
    assert "差异 2 项，多付 0.00 元，少付 62.50 元" in r.stdout, r.stdout


def test_a_ledger_without_hifp_pay_states_no_fund_totals(tmp_path):
    """Only psn_part_amt is recorded: there is no fund payment to call over- or underpaid, so neither the
    console nor summary.json claims 0.00 (400.00 − 162.50 = 237.50 recorded as 250.00: one discrepancy)."""
    ledger = tmp_path / "l.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,psn_part_amt\n"
                      "T1,P9,1201,2023-05-04,11,secondary,400.00,250.00\n", encoding="utf-8")
    out = tmp_path / "out"
    r = _run(ledger, "--policy", "panzhihua", "--region", "panzhihua-example", "--out", out)
    assert r.exit_code == 1, r.output
    assert "差异 1 项，统筹基金支付 hifp_pay 未审核（清单无此列）" in r.stdout and "多付" not in r.stdout, r.stdout
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [s[k] for k in ("recorded_hifp_pay", "expected_hifp_pay", "overpaid", "underpaid")] == [None] * 4


def _summary(**extra):
    base = {"rows_read": 5, "rows_skipped": 0, "persons": 3, "discrepancies_by_field": {"hifp_pay": 2},
            "overpaid_fen": 20000, "underpaid_fen": 14250, "persons_reference": 0, "unassessed": 0,
            "elapsed_s": 0.2, "rows_per_s": 25, "engine": "spark"}
    return {**base, **extra}


@pytest.mark.parametrize("elapsed, rows, rate, shown", [
    (0.2, 5, 25, None),                 # mostly start-up: no rate
    (12.5, 5, 0, None),                 # Spark on a tiny ledger: never "0 rows/s"
    (2.0, 100_000, 50_000, "50,000 rows/s"),
])
def test_the_rate_is_printed_only_when_it_means_something(elapsed, rows, rate, shown):
    from conform.audit.cli import _console

    chinese, english = _console(_summary(elapsed_s=elapsed, rows_read=rows, rows_per_s=rate))
    assert f"{elapsed:.1f} s" in english
    assert (shown in english) if shown else ("rows/s" not in english), english
    assert "多付 200.00 元，少付 142.50 元" in chinese


def _failing(monkeypatch, exc):
    import conform.audit.run

    def boom(*a, **k):
        raise exc

    monkeypatch.setattr(conform.audit.run, "audit", boom)


def test_an_unexpected_error_is_an_internal_error_exit_3_not_1(tmp_path, monkeypatch):
    """Exit 1 means "discrepancies found" to CI: a bug must never look like that, nor print a traceback."""
    _failing(monkeypatch, KeyError("plan_row"))
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--out", tmp_path / "out")
    assert r.exit_code == 3, r.output
    assert "conform: internal error: KeyError: 'plan_row'" in r.output and "please report it" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()


def test_an_output_folder_under_a_file_is_refused_naming_it(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--out", a_file / "sub")
    assert r.exit_code == 2, r.output
    assert f"output folder {a_file / 'sub'} cannot be made: {a_file} is not a folder" in r.output
    assert "Traceback" not in r.output and a_file.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv", "notes.txt"]  # nothing half-written


@pytest.mark.skipif(not os.environ.get("CI") and not os.path.isdir("/proc/self"), reason="needs Linux /proc (CI runs on Linux)")
def test_an_output_folder_that_cannot_be_made_is_refused_naming_it(tmp_path):
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--out", "/proc/nope")
    assert r.exit_code == 2, r.output
    assert "output folder /proc/nope cannot be made in /proc" in r.output and "Traceback" not in r.output


def test_an_os_error_while_writing_names_the_output_folder(tmp_path, monkeypatch):
    """A failure of the environment after the audit's work (a full disk, here simulated): exit 2, the folder
    named, and no part of the report left behind."""
    import errno

    from conform.audit.report import xlsx

    def full(path, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(xlsx, "write", full)
    out = tmp_path / "out"
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--out", out)
    assert r.exit_code == 2, r.output
    assert f"cannot write the report to output folder {out}: No space left on device" in r.output
    assert "Traceback" not in r.output and sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv"]


def test_a_memory_limit_too_small_says_to_raise_it(tmp_path, monkeypatch):
    """20,000 rows in 10 MB: DuckDB runs out of memory (while reading or planning); the message says which
    limit and how to raise it, without DuckDB's advice for its own shell (SET threads=...)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ledger = tmp_path / "ledger.csv"
    body = "".join(f"T{i},P{i % 5000},1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n" for i in range(20_000))
    ledger.write_text(HEADER + "\n" + body, encoding="utf-8")
    out = tmp_path / "out"
    r = _run(ledger, "--policy", "panzhihua", "--region", "panzhihua-example", "--memory-limit", "10MB", "--out", out)
    assert r.exit_code == 2, r.output
    assert "the memory limit 10MB (--memory-limit) is too small" in r.output, r.output
    assert "CONFORM_AUDIT_MEMORY" in r.output and "SET threads" not in r.output and "Traceback" not in r.output
    assert not out.exists() and not list(tmp_path.glob("conform-audit-*"))


def test_out_of_memory_raised_in_the_plan_is_told_the_same_way(tmp_path, monkeypatch):
    """DuckDB's exception as it reaches the command from the plan (not wrapped by the ledger's reader)."""
    import duckdb

    _failing(monkeypatch, duckdb.OutOfMemoryException(
        "Out of Memory Error: could not allocate block of size 256.0 KiB (33.3 MiB/33.3 MiB used)\n\n"
        "Possible solutions:\n* Reducing the number of threads (SET threads=X)"))
    monkeypatch.setenv("CONFORM_AUDIT_MEMORY", "35MB")
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example")
    assert r.exit_code == 2, r.output
    assert ("the memory limit 35MB (CONFORM_AUDIT_MEMORY) is too small for this ledger: DuckDB could not allocate "
            "block of size 256.0 KiB (33.3 MiB/33.3 MiB used); raise it with --memory-limit") in r.output, r.output
    assert "SET threads" not in r.output and "Traceback" not in r.output


def test_the_help_names_every_exit_code():
    r = CliRunner().invoke(main, ["audit", "--help"])
    text = " ".join(r.output.split())
    for said in ("0 no discrepancy", "1 discrepancies found", "2 bad input", "3 internal error", "130 interrupted",
                 "143 terminated"):
        assert said in text, said


def test_the_docs_usage_names_every_option_of_the_command():
    """docs/audit.md §4 lists what `conform audit --help` offers: no option left out of the usage line or the table."""
    from pathlib import Path

    from conform.audit.cli import audit_command

    doc = (Path(__file__).resolve().parents[2] / "docs" / "audit.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 4. 运行"):doc.index("## 5.")]
    usage = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    table = section[section.index("| 选项 Option"):]
    options = [o for p in audit_command.params for o in p.opts if o.startswith("--")]
    assert len(options) == 12, options  # --policy … --workers (click adds --help itself)
    for o in options:
        assert f"[{o}" in usage or f" {o} " in usage, o
        assert f"| `{o}" in table, o


def test_a_report_on_an_example_region_says_its_figures_are_invented(tmp_path):
    """conform/fixtures/regions/*-example supply invented values (example: true): a regulator reading the report
    must see that its expected figures rest on them; a real region's report says nothing of the kind."""
    from openpyxl import load_workbook

    from conform.reference.policy import REGION_DIR

    out = tmp_path / "out"
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", "panzhihua-example", "--out", out)
    assert r.exit_code == 0, r.output
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["region_example"] is True
    overview = dict(load_workbook(out / "audit.xlsx")["概要"].iter_rows(min_row=2, values_only=True))
    assert "示例配置：数值为虚构" in overview["地区配置 region"]
    assert "数值为虚构" in (out / "audit.html").read_text(encoding="utf-8")
    real = tmp_path / "real.yaml"  # the same values, as a city's own file would give them
    real.write_text((REGION_DIR / "panzhihua-example.yaml").read_text(encoding="utf-8")
                    .replace("example: true", "example: false").replace("name: panzhihua-example", "name: real"),
                    encoding="utf-8")  # a name of its own: an example's name means the shipped file
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--region", real, "--out", tmp_path / "out2")
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "out2" / "summary.json").read_text(encoding="utf-8"))["region_example"] is False


def test_a_spark_master_without_the_spark_engine_is_refused_not_ignored(tmp_path):
    """`--spark-master spark://cluster:7077` without `--engine spark` ran the whole audit on one machine."""
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--spark-master", "spark://cluster:7077")
    assert r.exit_code == 2 and "--spark-master spark://cluster:7077 is for --engine spark" in r.output, r.output
    r = _run(_ledger(tmp_path), "--policy", "panzhihua", "--spark-master", "sc://spark.example:15002/;token=S3CRET")
    assert r.exit_code == 2 and "--spark-master sc://spark.example:15002 is for" in r.output, r.output
    assert "S3CRET" not in r.output
