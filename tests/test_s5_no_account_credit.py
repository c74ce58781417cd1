"""攀枝花 第四条 and a person stated to have no personal account: the 0.00 credit is a named reading.

Closing review (s5): the scenario 未建立个人账户的参保人不计入个人账户 required 个人账户计入 0.00 元, though 第四条
says nothing of a person without an account and no reading was named (0.00 appeared only in a comment). A
system refusing such a credit by infcode failed it as if the text required 0.00. The scenario now names the
reading (A-PZH-NO-ACCOUNT-CREDIT, with its Chinese for the reports), so that failure is shown as one on a
reading; crediting where there is no account still fails it.
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


def test_a_system_refusing_the_credit_fails_only_the_scenario_naming_the_reading():
    checks = _checks(f"python:{__name__}:RefusingAdapter")
    failed = [c for c in checks if c.status != "passed"]
    assert failed and all(OUTLINE in c.name for c in failed), [(c.name, c.status) for c in failed]
    for c in failed:
        assert AID in c.name and AID in c.extra.get("assumptions", ()), (c.name, c.extra)
    assert [c for c in checks if c.status == "passed"]


def test_the_scenario_passes_the_reference():
    ran = [c for c in _checks("reference") if OUTLINE in c.name]
    assert len(ran) == 2 and all(c.status == "passed" for c in ran), [(c.name, c.status) for c in ran]
