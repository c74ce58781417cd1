"""The platform's identities of the account's and the person's figures, broken with the figures they are made of right,
rest on no reading (probe s28/probeH4 F3).

* balc = balance before − acct_pay: a system reporting the balance before the debit, acct_pay right, was said to rest
  on A-ACCOUNT-SELFPAY (how much of the part the account pays), which decided nothing that differs. The balance is the
  account's figure, so the account's article stays; the reading goes.
* psn_part_amt = medfee_sumamt − fund_pay_sumamt: a part counting acct_pay twice was put at the 个人账户支付 step (whose
  figure happened to equal the part) and blamed on 浙江 二（四）+ A-ACCOUNT-SELFPAY by some checks, on 二（一）by others;
  no account figure is in that identity. With medfee and fund right it is the identity itself, no reading (not even
  A-ROUND-FEN where the account paid a fen).
* acct_used_flag "0" ignored (the account paid when told not to) IS the account-use rule: 浙江 二（四）, and
  A-ACCOUNT-SELFPAY, whose text is where "结算使用个人账户时" (the flag) is read — pinned unchanged.
"""
from __future__ import annotations

import os
import threading
from decimal import Decimal
from unittest import mock

import pytest

from conform.fixtures.sample_system import service as SV
from conform.fixtures.sample_system.server import SampleServer
from conform.harness.report.causes import (BALANCE_RELATION, BALANCE_STEP, CASH_CLAUSE, PART_STEP, _root, _step,
                                           blame, part_identity)
from conform.harness.run import CONFORMANCE, execute
from conform.reference.money import fmt

TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1500.00"},
         {"step": "起付线", "clause": "浙江 二（一）；A-YEAR-BY-SETTLEMENT-DATE", "value": "600.00"},
         {"step": "支付比例", "clause": "浙江 二（一）；A-ROUND-FEN", "value": "0.00"},
         {"step": "个人账户支付", "clause": "浙江 二（四）；A-ACCOUNT-SELFPAY", "value": "300.00"}]


def _m(field: str, expected: str, actual: str) -> dict:
    return {"field": field, "expected": expected, "actual": actual, "item": "V1"}


def _answers(system: dict, reference: dict) -> list[dict]:
    return [{"operation": "settle", "request": {"psn_no": "P", "id": "V1"}, "response": r} for r in (system, reference)]


def test_a_balance_before_the_debit_with_acct_pay_right_is_the_account_s_on_no_reading():
    m = _m("balc", f"{BALANCE_RELATION}（500.00 ≠ 500.00 − 300.00，勾稽关系不成立）", "500.00")
    assert _step(m, TRACE) == (BALANCE_STEP, f"{CASH_CLAUSE}；浙江 二（四）")
    assert blame([m], {"V1": TRACE}, "zhejiang") == (["zhejiang-2.4"], [])


def test_a_balance_the_reference_gives_otherwise_keeps_the_account_s_reading():
    # a figure of the reference's (not the relation): what the account paid before may be what differs
    m = _m("balc", "200.00", "500.00")
    assert blame([m], {"V1": TRACE}, "zhejiang") == (["zhejiang-2.4"], ["A-ACCOUNT-SELFPAY"])


def test_a_part_equal_to_what_the_account_paid_is_not_put_at_the_account_step():
    m = _m("psn_part_amt", "300.00", "600.00")   # the account paid the whole part: its step shows 300.00 too
    step, clause = _step(m, TRACE)
    assert step != "个人账户支付" and "A-ACCOUNT-SELFPAY" not in clause and "二（四）" not in clause, (step, clause)


def test_a_part_counting_acct_pay_twice_with_medfee_and_fund_right_is_the_identity():
    ref = {"medfee_sumamt": "1500.00", "fund_pay_sumamt": "1200.00", "psn_part_amt": "300.00", "acct_pay": "300.00"}
    m = _m("psn_part_amt", "300.00", "600.00")
    evidence = _answers({**ref, "psn_part_amt": "600.00"}, ref)
    assert part_identity(m, [m], evidence)
    assert _step(m, TRACE, evidence, [m]) == (PART_STEP, f"{CASH_CLAUSE}；浙江 二（一）")
    assert blame([m], {"V1": TRACE}, "zhejiang", evidence) == (["zhejiang-2.1"], [])
    wrong_fund = _answers({**ref, "psn_part_amt": "600.00", "fund_pay_sumamt": "900.00"}, ref)
    assert not part_identity(m, [m], wrong_fund)   # the fund paid short: the part follows from it, not the identity


def test_the_report_puts_a_property_s_part_failure_at_the_identity_on_no_reading():
    # a platform property's evidence names no item: the property records the identity it found (runner, `identity`)
    check = {"kind": "property", "mismatches": [_m("psn_part_amt", "300.00", "600.00")], "trace": TRACE,
             "evidence": [], "extra": {"identity": PART_STEP}}
    assert _root(check) == ("psn_part_amt", PART_STEP, f"{CASH_CLAUSE}；浙江 二（一）")


def test_the_account_paying_when_told_not_to_is_the_account_use_rule_and_its_reading():
    trace = [*TRACE[:3], {"step": "个人账户支付", "clause": "浙江 二（四）；A-ACCOUNT-SELFPAY",
                          "detail": "本次结算未使用个人账户（acct_used_flag 0），账户支付0.00元", "value": "0.00"}]
    m = _m("acct_pay", "0.00", "0.01")
    assert blame([m], {"V1": trace}, "zhejiang") == (["zhejiang-2.4"], ["A-ACCOUNT-SELFPAY"])


def _twin(monkeypatch, edit, prop: str, seed: str = "1"):
    """One seeded property on zhejiang against the sample system (HTTP profile) whose 2206/2207 setlinfo goes through
    `edit` first."""
    orig = SV.SampleSystem._settle

    def settle(self, data, commit):
        out = orig(self, data, commit)
        edit(out["setlinfo"])
        return out

    monkeypatch.setattr(SV.SampleSystem, "_settle", settle)
    srv = SampleServer("127.0.0.1", 0, SV.SampleSystem())
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        with mock.patch.dict(os.environ, {"CONFORM_PROFILE": "conform"}):
            run, _ = execute(adapter=f"http://127.0.0.1:{srv.server_address[1]}/", policies=("zhejiang",),
                             tag="conform_property", paths=(CONFORMANCE / "test_properties.py",),
                             extra_args=("--conform-seed", seed, "--conform-examples", "20",
                                         "--conform-shrink-seconds", "30", "-k", f"test_{prop}"))
    finally:
        srv.shutdown()
        srv.server_close()
    [c] = [c for c in run.checks if c.extra.get("property") == prop]
    return c


def _balc_before_debit(info: dict) -> None:
    if info.get("balc") is not None:
        info["balc"] = fmt(Decimal(info["balc"]) + Decimal(info["acct_pay"]))


def _part_plus_acct(info: dict) -> None:
    info["psn_part_amt"] = fmt(Decimal(info["psn_part_amt"]) + Decimal(info["acct_pay"]))


def test_a_balance_reported_before_the_debit_rests_on_no_reading(monkeypatch):
    c = _twin(monkeypatch, _balc_before_debit, "money_identities")
    assert c.status == "failed", (c.status, c.message[:400])
    assert "(balc)" in c.message and BALANCE_RELATION in c.message, c.message[:400]
    assert c.failed_articles == ["zhejiang-2.4"], c.failed_articles
    assert "A-ACCOUNT-SELFPAY" not in (c.extra.get("rests_on") or []), c.extra.get("rests_on")


@pytest.mark.parametrize("prop", ["money_identities", "differential"])
def test_a_part_counting_acct_pay_twice_blames_the_benefit_on_no_reading(monkeypatch, prop):
    c = _twin(monkeypatch, _part_plus_acct, prop)
    assert c.status == "failed", (c.status, c.message[:400])
    assert "(psn_part_amt)" in c.message, c.message[:400]
    assert c.failed_articles == ["zhejiang-2.1"], c.failed_articles
    assert not c.extra.get("rests_on"), c.extra.get("rests_on")
