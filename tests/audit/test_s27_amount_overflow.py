"""Amounts the reader accepts (up to 14 digits before the point) but the plan's 64-bit integer fen cannot carry — one
settlement's fen times a ratio's numerator (0.6123 = 6123/10000), or a person's running year total — are the ledger's
error, located at the largest amount, exit 2: they were an internal error (exit 3, "please report it"), and on Spark
after 35 KB of Java stack traces on the console (s27 probeD F1)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay,fund_pay_sumamt,psn_part_amt\n")
ORDINARY = "K1,K,1101,2023-01-05 09:00:00,11,secondary,100.00,100.00,100.00,0.00,0.6000,0.00,100.00\n"
HUGE = "99999999999999.99"  # 14 digits before the point: accepted by the reader (ledger.MAX_DIGITS)
REGION = Path(__file__).resolve().parents[2] / "conform" / "fixtures" / "regions" / "zhejiang-example.yaml"


def _region(tmp_path: Path) -> Path:
    """zhejiang-example but for a secondary ratio of 0.6123: a numerator of 6123, so 10^16 fen × 6123 × 2 > 2^63."""
    text = REGION.read_text(encoding="utf-8").replace("name: zhejiang-example", "name: zhejiang-ratio4")
    assert 'ordinary.ratio.secondary: "0.60"' in text
    path = tmp_path / "zhejiang-ratio4.yaml"
    path.write_text(text.replace('ordinary.ratio.secondary: "0.60"', 'ordinary.ratio.secondary: "0.6123"'),
                    encoding="utf-8")
    return path


def _one_row(tmp_path: Path) -> Path:
    path = tmp_path / "one.csv"
    path.write_text(HEADER + ORDINARY.replace("0.6000", "0.6123") +
                    f"X1,X,1101,2023-02-01 10:00:00,11,secondary,{HUGE},{HUGE},600.00,2000.00,0.6123,2000.00,1.00\n",
                    encoding="utf-8")
    return path


def test_one_settlement_times_a_ratio_is_located_not_an_internal_error(tmp_path):
    with pytest.raises(AuditInputError) as e:
        audit([str(_one_row(tmp_path))], "zhejiang", region=str(_region(tmp_path)), write=False, workers=1)
    # line 3: the header, K1, then X1 — the row of the largest medfee_sumamt
    assert (e.value.file, e.value.row, e.value.column) == (str(tmp_path / "one.csv"), 3, "medfee_sumamt")
    assert "amounts too large" in str(e.value) and "99999999999999.99" in str(e.value)


def test_a_persons_running_total_past_2_63_fen_is_located(tmp_path):
    path = tmp_path / "many.csv"
    rows = [f"X{i},X,1101,2023-02-01 10:{i // 60 % 60:02d}:{i % 60:02d},11,secondary,{HUGE},{HUGE},0,0,0.6000,0,{HUGE}\n"
            for i in range(1100)]  # 1,100 × 10^16 fen = 1.1 × 10^19 > 2^63 ≈ 9.2 × 10^18
    path.write_text(HEADER + ORDINARY + "".join(rows), encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(path)], "panzhihua", region="panzhihua-example", write=False, workers=1)
    assert e.value.column == "medfee_sumamt" and e.value.row == 3  # the first of the largest, after K1
    assert "person X totals" in str(e.value) and "1,101 rows" not in str(e.value) and "1,100 rows" in str(e.value)


def test_recorded_figures_summed_past_2_63_fen_are_located_at_the_recorded_column(tmp_path):
    """The ledger's recorded over-payments are summed in the summary (s27 probeR F1): 1,200 settlements of 100.00 each
    recording a hifp_pay of 99,999,999,999,999.99 sum past 2^63 fen; the place named is the recorded column's."""
    path = tmp_path / "recorded.csv"
    rows = [f"R{i},P{i % 7},1101,2023-02-01 10:{i // 60 % 60:02d}:{i % 60:02d},11,secondary,100.00,100.00,0,{HUGE},0.6000,"
            f"{HUGE},0.00\n" for i in range(1200)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        audit([str(path)], "zhejiang", region="zhejiang-example", write=False, workers=1)
    assert (e.value.row, e.value.column) == (2, "hifp_pay"), str(e.value)
    assert "amounts too large" in str(e.value)


def test_on_spark_one_line_and_exit_2_without_javas_stack_traces(tmp_path):
    done = subprocess.run([sys.executable, "-m", "conform.harness.cli", "audit", str(_one_row(tmp_path)), "--policy",
                           "zhejiang", "--region", str(_region(tmp_path)), "--engine", "spark", "--spark-master",
                           "local[1]", "--workers", "1", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-3000:]
    error = [ln for ln in done.stderr.splitlines() if ln.startswith("conform: error:")]
    assert len(error) == 1 and "line 3, column medfee_sumamt: amounts too large" in error[0], done.stderr[-3000:]
    assert "spark.sql.ansi.enabled" not in error[0]  # Spark's advice to turn overflow checks off is not passed on
    for noise in ("\tat org.apache", "ERROR Executor", "ERROR TaskSetManager", "SQLQueryContextLogger", "Traceback"):
        assert noise not in done.stderr, (noise, done.stderr[-3000:])
    assert len(done.stderr) < 2000, done.stderr[-3000:]
    assert not (tmp_path / "out").exists()
