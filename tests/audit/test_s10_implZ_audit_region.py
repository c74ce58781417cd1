"""The audit's summary and 概要 pin the region its expected figures rest on (rregion D3, s10): summary.json
gives the --region file's label, path, SHA-256 of its bytes and figures beside `region`; audit.html and
audit.xlsx show label and SHA-256 in the 地区配置 row, and the figures.

Ledger by hand (攀枝花 第七条, retiree 1201 at 二级 65%, deductible 150): 400.00 in scope;
(400 − 150) × 65% = 162.50 paid by the fund; the person pays 400 − 162.50 = 237.50.
"""
from __future__ import annotations

import hashlib
import json

from click.testing import CliRunner
from openpyxl import load_workbook

from conform.harness.cli import main
from conform.reference.policy import REGION_DIR

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")


def test_the_audit_summary_pins_its_region_file(tmp_path):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    city = tmp_path / "city.yaml"  # the example's figures as a city's own file (not an example)
    city.write_text((REGION_DIR / "panzhihua-example.yaml").read_text(encoding="utf-8")
                    .replace("example: true", "example: false").replace("name: panzhihua-example", "name: city"),
                    encoding="utf-8")  # a name of its own: an example's name means the shipped file
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", str(city),
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    sha = hashlib.sha256(city.read_bytes()).hexdigest()
    assert s["region"] == str(city) and s["region_file"] == str(city) and s["region_sha256"] == sha
    assert s["region_label"] and "示例" in s["region_label"]  # the example's label, carried over verbatim
    import yaml

    written = yaml.safe_load(city.read_text(encoding="utf-8"))["values"]
    assert s["region_values"] == {k: str(v) for k, v in written.items()}
    overview = dict(load_workbook(out / "audit.xlsx")["概要"].iter_rows(min_row=2, values_only=True))
    assert sha in overview["地区配置 region"] and s["region_label"] in overview["地区配置 region"]
    assert "示例配置：数值为虚构" not in overview["地区配置 region"]
    first = next(iter(written))
    assert f"{first} = {written[first]}" in overview["地区配置数值 region figures"]
    assert sha in (out / "audit.html").read_text(encoding="utf-8")


def test_a_shipped_example_region_given_by_name_is_pinned_and_still_said_invented(tmp_path):
    """--region by name: the shipped file's SHA-256, beside the note that its figures are invented."""
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(out)])
    assert r.exit_code == 0, r.output
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["region_sha256"] == hashlib.sha256((REGION_DIR / "panzhihua-example.yaml").read_bytes()).hexdigest()
    overview = dict(load_workbook(out / "audit.xlsx")["概要"].iter_rows(min_row=2, values_only=True))
    assert "示例配置：数值为虚构" in overview["地区配置 region"] and s["region_sha256"] in overview["地区配置 region"]
