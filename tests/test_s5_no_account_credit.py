"""攀枝花 第四条 and a person stated to have no personal account: nothing is credited, 0.00 or a refusal.

Closing review (s5): the scenario 未建立个人账户的参保人不计入个人账户 required 个人账户计入 0.00 元, though 第四条
says nothing of a person without an account and no reading was named (0.00 appeared only in a comment). A
system refusing such a credit by infcode failed it as if the text required 0.00. The scenario now names the
reading (A-PZH-NO-ACCOUNT-CREDIT) and accepts either answer (个人账户计入 0.00 元，或被拒绝); crediting where there
is no account still fails it.
"""
from __future__ import annotations

from conform.harness.adapters.base import SettlementRefused
from conform.harness.adapters.reference import ReferenceAdapter
from conform.reference.policy import load_policy

OUTLINE = "未建立个人账户的参保人不计入个人账户"
AID = "A-PZH-NO-ACCOUNT-CREDIT"


class RefusingAdapter(ReferenceAdapter):
    """The reference, but a credit for a person stated to have no account is refused by infcode."""

    name = "refuses-no-account-credit"

    def credit_month(self, psn_no, request):
        if self._ledger(psn_no).person.has_account is False:
            raise SettlementRefused("参保人未建立个人账户，不受理个人账户计入")
        return super().credit_month(psn_no, request)


def _checks(adapter: str) -> list:
    from conform.harness.run import execute

    run, _ = execute(adapter=adapter, articles=("panzhihua-4",), tag="not conform_property")
    return run.checks


def test_the_reading_is_in_the_policy_and_in_chinese():
    from pathlib import Path

    import yaml
    from conform.harness.report import model

    assert AID in load_policy("panzhihua").assumptions
    zh = yaml.safe_load((Path(model.__file__).parent / "assumptions_zh.yaml").read_text(encoding="utf-8"))
    assert "第四条" in zh[AID]


def test_a_system_refusing_the_credit_passes():
    checks = _checks(f"python:{__name__}:RefusingAdapter")
    ran = [c for c in checks if OUTLINE in c.name]
    assert len(ran) == 2 and all(c.status == "passed" for c in ran), [(c.name, c.status) for c in ran]
    assert all(c.status in ("passed", "not_applicable", "skipped") for c in checks), \
        [(c.name, c.status) for c in checks if c.status not in ("passed", "not_applicable", "skipped")]


class CreditingAdapter(ReferenceAdapter):
    """The reference, but a person stated to have no account is credited as if they had one."""

    name = "credits-without-account"

    def credit_month(self, psn_no, request):
        from dataclasses import replace

        ledger = self._ledger(psn_no)
        if ledger.person.has_account is False:
            ledger.person = replace(ledger.person, has_account=None)
        return super().credit_month(psn_no, request)


def test_a_system_crediting_where_there_is_no_account_fails_the_scenario():
    failed = [c for c in _checks(f"python:{__name__}:CreditingAdapter") if c.status == "failed"]
    assert {c.name for c in failed} and all(OUTLINE in c.name for c in failed), [c.name for c in failed]
    assert len(failed) == 2


def test_the_scenario_passes_the_reference():
    ran = [c for c in _checks("reference") if OUTLINE in c.name]
    assert len(ran) == 2 and all(c.status == "passed" for c in ran), [(c.name, c.status) for c in ran]
