"""A wrong account payment is blamed on the account's rule, not on the pooling article nor on readings about the kind
of visit (rvendor s11 D3). The reference wrote no 个人账户支付 step where the account pays nothing (acct_used_flag 0,
a balance of 0.00 or unknown), so a system paying from the account there was blamed on "the clauses of its whole
trace": 浙江 二（一） and A-ROUND-FEN / A-EMERGENCY-ORDINARY / A-ZJ-RETIREE-CAP. docs/connect-your-system.md §7: "the
account articles are blamed only when acct_pay or the balance differs"."""
from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

from conform.harness.report import causes
from conform.harness.run import CONFORMANCE, execute
from conform.reference.case import Person, Settlement
from conform.reference.engine import PersonLedger, rules_for

PLUGIN = textwrap.dedent('''
    from dataclasses import replace

    from conform.fixtures.sample_plugin import SampleSystemPlugin


    class IgnoreAcctFlag(SampleSystemPlugin):
        """Pays from the account although the settlement does not use it (acct_used_flag 0)."""
        name = "ignore-acct-flag"

        def settle(self, psn_no, settlement):
            return super().settle(psn_no, replace(settlement, acct_used_flag=True))

        def presettle(self, psn_no, settlement):
            return super().presettle(psn_no, replace(settlement, acct_used_flag=True))
''')


def _trace(flag: bool, balance: str | None) -> list[dict]:
    # 浙江 zhejiang-example, in service, 一级, 1000.00 on 2023-06-01: 起付线 600.00 (二（一）), (1000 − 600) × 70% = 280.00,
    # 个人负担 1000 − 280 = 720.00
    rules = rules_for("zhejiang", "zhejiang-example", {})
    person = Person(psn_no="Z1", psn_type="1101", acct_balance=Decimal(balance) if balance is not None else None)
    s = Settlement(id="V1", date=dt.date(2023, 6, 1), med_type="11", facility="primary",
                   medfee_sumamt=Decimal("1000.00"), acct_used_flag=flag)
    return PersonLedger(rules, person).settle(s).trace.render()


def test_the_account_paying_nothing_is_a_step_of_the_working_citing_the_account_rule():
    for flag, balance, why in ((False, "500.00", "acct_used_flag 0"), (True, "0.00", "余额0.00元"),
                               (True, None, "余额未知")):
        steps = [t for t in _trace(flag, balance) if t["step"] == "个人账户支付"]
        assert len(steps) == 1 and steps[0]["value"] == "0.00" and why in steps[0]["detail"], (flag, balance, steps)
        assert steps[0]["clause"] == "浙江 二（四）；A-ACCOUNT-SELFPAY"
    # the account paying: the step as before — min(个人负担 720.00, 余额 500.00) = 500.00
    paid = [t for t in _trace(True, "500.00") if t["step"] == "个人账户支付"]
    assert [t["value"] for t in paid] == ["500.00"]


def test_a_payment_from_an_unused_account_is_blamed_on_the_account_rule():
    trace = _trace(False, "500.00")
    # the system paid 500.00 from the account (and 220.00 in cash) where the reference pays 0.00 (and 720.00 cash)
    ms = [{"field": "acct_pay", "expected": "0.00", "actual": "500.00", "item": "V1"},
          {"field": "psn_cash_pay", "expected": "720.00", "actual": "220.00", "item": "V1"}]
    assert causes.blame(ms, {"V1": trace}, "zhejiang") == (["zhejiang-2.4"], ["A-ACCOUNT-SELFPAY"])
    # a wrong balance alone is the account's too, never the pooling article's
    bal = [{"field": "balc", "expected": "500.00", "actual": "0.00", "item": "V1"}]
    tags, named = causes.blame(bal, {"V1": trace}, "zhejiang")
    assert tags == ["zhejiang-2.4"] and "zhejiang-2.1" not in tags and "A-ZJ-RETIREE-CAP" not in named
    # a wrong fund payment does not blame the account (the account step is no part of its working) …
    fund = [{"field": "hifp_pay", "expected": "280.00", "actual": "9.99", "item": "V1"}]
    assert "zhejiang-2.4" not in causes.blame(fund, {"V1": trace}, "zhejiang")[0]
    # … nor a refused settlement the rules pay
    refused = [{"field": "infcode", "expected": "0（结算成功）", "actual": "拒绝：x", "item": "V1"}]
    assert causes.blame(refused, {"V1": trace}, "zhejiang")[0] == ["zhejiang-2.1"]


def test_a_system_ignoring_the_account_flag_fails_the_account_article_alone(tmp_path, monkeypatch):
    """End to end: a python: plugin on the sample system paying from the account whatever acct_used_flag says. Before,
    money_identities and differential failed on ['zhejiang-2.1'] resting on ['A-ROUND-FEN']."""
    plug = tmp_path / "plug"
    plug.mkdir()
    (plug / "implE_acctflag_plugin.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(plug))
    monkeypatch.setenv("PYTHONPATH", str(plug))
    run, code = execute(adapter="python:implE_acctflag_plugin:IgnoreAcctFlag", policies=("zhejiang",),
                        paths=(CONFORMANCE / "test_properties.py",),
                        extra_args=("--conform-seed", "7", "--conform-examples", "10"))
    failed = [c for c in run.checks if c.status == "failed"]
    assert code == 1 and failed, [(c.name, c.status, c.message[:100]) for c in run.checks if c.status != "passed"]
    for c in failed:
        assert c.failed_articles == ["zhejiang-2.4"], (c.name, c.failed_articles)
        assert set(c.extra.get("rests_on") or ()) <= {"A-ACCOUNT-SELFPAY"}, (c.name, c.extra.get("rests_on"))
