"""The README's worked example per document: the cases in conform/fixtures/cases/ give the figures shown there.

Each figure is worked by hand from its article (and, for the frameworks, the
fictitious example region's values); the README quotes the same arithmetic.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.harness.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "conform" / "fixtures" / "cases"

EXPECTED = {
    # 攀枝花 第七条: 500 − 50 − 0 − 20 = 430; (430 − 200) × 50% = 115.00; 500 − 115 = 385.00
    "panzhihua.json": {"V1": {"inscp_scp_amt": "430.00", "act_pay_dedc": "200.00", "pool_prop_selfpay": "0.5000",
                              "hifp_pay": "115.00", "psn_part_amt": "385.00"}},
    # 南昌 四（二）1: retiree at 二级 55% + 5 = 60%; (1000 − 600) × 60% = 240.00
    "nanchang.yaml": {"V1": {"act_pay_dedc": "600.00", "pool_prop_selfpay": "0.6000", "hifp_pay": "240.00"}},
    # 吉林 二（二）example deductible 200, 三级 50%: (1000 − 200) × 50% = 400.00;
    # 二（五）emergency at 二级 along inpatient rules: example inpatient deductible 500, ratio 85%:
    # (2000 − 500) × 85% = 1275.00, against the inpatient cap, not the ordinary one.
    "jilin.yaml": {"V1": {"act_pay_dedc": "200.00", "hifp_pay": "400.00", "ordinary_pay": "400.00"},
                   "V2": {"act_pay_dedc": "500.00", "pool_prop_selfpay": "0.8500", "hifp_pay": "1275.00",
                          "inpatient_pay": "1275.00", "ordinary_pay": "0.00"}},
    # 浙江 二（一）example: retiree deductible 600 ÷ 2 = 300, 基层 70% + 5 = 75%: (1000 − 300) × 75% = 525.00
    "zhejiang.yaml": {"V1": {"act_pay_dedc": "300.00", "pool_prop_selfpay": "0.7500", "hifp_pay": "525.00"}},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_settlement_examples(name: str) -> None:
    res = CliRunner().invoke(main, ["settle", "--no-trace", str(CASES / name)])
    assert res.exit_code == 0, res.output
    out = {s["id"]: s for s in json.loads(res.output)["settlements"]}
    for sid, fields in EXPECTED[name].items():
        for field, value in fields.items():
            assert out[sid][field] == value, (name, sid, field)


def test_beijing_example_credits_and_uses() -> None:
    """北京（三）: born 1953-05-10 → April 2023 aged 69: 100; May 2023 turns 70: 110 (A-BJ-AGE70).
    （四）: a spouse's pharmacy costs allowed (210 − 50 = 160); fitness refused, balance unchanged."""
    res = CliRunner().invoke(main, ["settle", "--no-trace", str(CASES / "beijing.yaml")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [c["amount"] for c in out["account_credits"]] == ["100.00", "110.00"]
    assert [(u["decision"], u["acct_balance"]) for u in out["account_uses"]] == [("allowed", "160.00"),
                                                                                 ("refused", "160.00")]


def test_readme_names_every_example() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for case in CASES.iterdir():
        assert f"conform/fixtures/cases/{case.name}" in readme, case.name
