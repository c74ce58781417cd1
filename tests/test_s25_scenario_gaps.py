"""Scenario gaps of probe s25 Z3 (F3, F6): three defective systems that passed every scenario now fail one, with
properties off (`--tag "not conform_property"`), so a run on any seed, or under the CI profile, catches them.

- A use over the balance (南昌 四（三）2, 北京（四）; 攀枝花 第五条 had one already).
- The month of a mid-month retirement credited as a retiree's (北京（三）, 攀枝花 第四条, 浙江 二（三）;
  A-ACCOUNT-RETIRE-MONTH).
- A 2208 of an earlier month's visit, after a later visit, refunding the account part in cash (攀枝花 第五条, 南昌;
  A-REVERSAL).

Each defective system is a real HTTP server in its own process (tests/_s25_gap_mutants.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sample_server import SampleServer

from conform.harness.run import execute, gate

MUTANTS = Path(__file__).resolve().parent / "_s25_gap_mutants.py"
OVERDRAFT_NC = "为配偶支付超过账户余额时不得透支"
OVERDRAFT_BJ = "为子女支付超过账户余额时不得透支"
RETIRE = "月中退休的，退休当月按在职职工计入，次月起按退休人员定额计入（A-ACCOUNT-RETIRE-MONTH）"
REVERSAL = "撤销以前月份的结算（其后已有结算），个人账户支付仍退回账户（A-REVERSAL）"

CASES = {
    "use_over_balance": (("nanchang-4.3.2", "beijing-4"), {
        (OVERDRAFT_NC, "features/nanchang/四（三）2_扩大个人账户使用范围.feature"),
        (OVERDRAFT_BJ, "features/beijing/（四）_规范个人账户使用管理.feature"),
    }),
    "retire_month_as_retiree": (("beijing-3", "panzhihua-4", "zhejiang-2.3"), {
        (RETIRE, "features/beijing/（三）_改进个人账户计入办法.feature"),
        (RETIRE, "features/panzhihua/第04条_个人账户计账办法.feature"),
        (RETIRE, "features/zhejiang/二（三）_改进个人账户计入办法.feature"),
    }),
    "reversal_prior_month_no_acct_refund": (("panzhihua-5", "nanchang-4.3.2"), {
        (REVERSAL, "features/panzhihua/第05条_个人账户使用范围.feature"),
        (REVERSAL, "features/nanchang/四（三）2_扩大个人账户使用范围.feature"),
    }),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_scenarios_catch_the_twin_with_properties_off(name):
    articles, expected = CASES[name]
    with SampleServer(script=MUTANTS, script_args=(name,)) as server:
        run, code = execute(adapter=server.url, articles=articles, tag="not conform_property")
    assert not [c for c in run.checks if c.kind == "property"]
    assert gate(run, code)[0] == 1, [(c.name, c.status, c.message) for c in run.checks if c.status != "passed"]
    failed = {(c.name, c.feature_file) for c in run.checks if c.status == "failed"}
    assert expected <= failed, failed


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_new_scenarios_pass_against_the_reference(name):
    articles, expected = CASES[name]
    run, code = execute(articles=articles, tag="not conform_property")
    assert gate(run, code)[0] == 0, [(c.name, c.status, c.message) for c in run.checks if c.status != "passed"]
    ran = {(c.name, c.feature_file) for c in run.checks if c.status == "passed"}
    assert expected <= ran, expected - ran
