"""A settlement time that carries a time zone is dated in Beijing, whatever the host's time zone."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]


def _ledger(path: Path) -> None:
    # 攀枝花 第七条, in service, tertiary: deductible 200 a natural year, 50%. C1 on 2023-06-01 uses the
    # 2023 deductible: (2000 − 200) × 50% = 900.00. C2 was settled in Beijing at 2024-01-01 00:30
    # (2023-12-31 16:30 UTC): a new year, so (600 − 200) × 50% = 200.00 and deductible 200.00 — both as
    # recorded. Dated by UTC it would fall in 2023 and owe no deductible, and the fund would pay what is left of
    # the year's in-service cap of 1000: 1000 − 900 = 100.00, a false 100.00 overpaid.
    utc = dt.timezone.utc
    table = pa.table({
        "setl_id": ["C1", "C2"], "psn_no": ["C", "C"], "psn_type": ["1101", "1101"], "med_type": ["11", "11"],
        "facility": ["tertiary", "tertiary"],
        "setl_time": pa.array([dt.datetime(2023, 6, 1, 2, 0, tzinfo=utc), dt.datetime(2023, 12, 31, 16, 30, tzinfo=utc)],
                              pa.timestamp("us", tz="UTC")),
        "medfee_sumamt": pa.array(["2000.00", "600.00"]), "act_pay_dedc": pa.array(["200.00", "200.00"]),
        "hifp_pay": pa.array(["900.00", "200.00"])})
    pq.write_table(table, path)


def test_a_utc_timestamp_is_dated_in_beijing_on_any_host(tmp_path):
    ledger = tmp_path / "ledger.parquet"
    _ledger(ledger)
    for tz in ("UTC", "America/New_York", "Asia/Shanghai"):
        out = tmp_path / f"out-{tz.replace('/', '-')}"
        r = subprocess.run([sys.executable, "-m", "conform.harness.cli", "audit", str(ledger), "--policy", "panzhihua",
                            "--region", "panzhihua-example", "--out", str(out)],
                           cwd=ROOT, env={**os.environ, "TZ": tz}, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (tz, r.stdout, r.stderr)


def test_a_text_time_with_an_offset_is_dated_in_beijing_on_any_host(tmp_path):
    """The same instants as text, as a JSON or Java writer emits them ('…Z', '…+00:00'): C2 is 2024-01-01."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,med_type,facility,setl_time,medfee_sumamt,act_pay_dedc,hifp_pay\n"
                      "C1,C,1101,11,tertiary,2023-06-01T02:00:00Z,2000.00,200.00,900.00\n"
                      "C2,C,1101,11,tertiary,2023-12-31T16:30:00.000+00:00,600.00,200.00,200.00\n", encoding="utf-8")
    for tz in ("UTC", "America/New_York"):
        out = tmp_path / f"out-{tz.replace('/', '-')}"
        r = subprocess.run([sys.executable, "-m", "conform.harness.cli", "audit", str(ledger), "--policy", "panzhihua",
                            "--region", "panzhihua-example", "--out", str(out)],
                           cwd=ROOT, env={**os.environ, "TZ": tz}, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, (tz, r.stdout, r.stderr)
