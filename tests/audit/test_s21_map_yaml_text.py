"""A YAML `--map` is read as written: a code `01:` is the text "01", `yes:` is "yes" (as the case and persons files).

YAML 1.1's implicit types made `01: tertiary` map the code "1" (an int key read back as text): the ledger's "01"
was then refused as an unknown 医院等级 code, though the map gave it; `010:` became "8" and `yes:` "True".
"""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.audit.mapping import load_mapping
from conform.harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,hosp_lv,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay")


@pytest.mark.parametrize("written, code", [("01", "01"), ("010", "010"), ("yes", "yes"), ("0x1", "0x1"),
                                           ("1_0", "1_0"), ("1.0", "1.0")])
def test_a_yaml_code_is_the_text_written(tmp_path, written, code):
    m = tmp_path / "map.yaml"
    m.write_text(f"codes:\n  hosp_lv:\n    {written}: tertiary\nskip:\n  med_type: [51, 052]\n", encoding="utf-8")
    got = load_mapping([str(m)])
    assert got.codes == {"hosp_lv": {code: "tertiary"}}, got.codes
    assert got.skip == {"med_type": ("51", "052")}, got.skip


def test_a_ledger_coded_01_is_audited_through_a_yaml_map(tmp_path):
    # 浙江 example region, 在职, a 三级 visit of 400.00 with the year's deductible unmet: the whole bill goes to the
    # 起付线 (the example region sets 在职 600.00 under 二（一）; 400.00 < 600.00), the fund pays 0.00: recorded 0.00, clean.
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\nT1,3301000000000001,1101,2023-05-04,11,01,400.00,0,0,0,0.00\n", encoding="utf-8")
    m = tmp_path / "map.yaml"
    m.write_text("codes:\n  hosp_lv:\n    01: tertiary\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "zhejiang", "--region", "zhejiang-example",
                                  "--map", str(m), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
