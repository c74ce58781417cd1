"""金额勾稽 (money_identities) blames the rule a failing visit is paid under where the identity broken is of the
visit's own amounts: a system leaving 先行自付 inside the 政策范围内费用 of a 两病/慢特病 visit (med_type 14) only
fails 攀枝花's chronic articles (第九条/第十条), not 第七条 ordinary pooling, which the property is also tagged with
and which no ordinary visit broke (probe s24 R F6)."""
from __future__ import annotations

import dataclasses

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import execute
from conform.reference.money import ZERO


class PreselfpayKeptOnChronic(ReferenceAdapter):
    """The reference, but a med_type 14 visit's 先行自付 is counted inside its policy scope."""

    name = "preselfpay-kept-on-chronic"

    def _bug(self, settlement):
        if getattr(settlement, "med_type", None) == "14" and getattr(settlement, "preselfpay_amt", ZERO):
            return dataclasses.replace(settlement, preselfpay_amt=ZERO)
        return settlement

    def settle(self, psn_no, settlement):
        return super().settle(psn_no, self._bug(settlement))

    def presettle(self, psn_no, settlement):
        return super().presettle(psn_no, self._bug(settlement))


def test_a_chronic_visits_policy_scope_identity_blames_the_chronic_articles(monkeypatch):
    monkeypatch.setenv("CONFORM_PROFILE", "conform")  # the seeded profile, whatever CI's
    run, _ = execute(adapter=f"python:{__name__}:PreselfpayKeptOnChronic", policies=("panzhihua",),
                     extra_args=("-k", "money_identities", "--conform-seed", "1"))
    checks = [c for c in run.checks if "money_identities" in c.nodeid]
    assert checks, [c.nodeid for c in run.checks]
    failed = [c for c in checks if c.status == "failed"]
    assert failed, [(c.nodeid, c.status, c.message) for c in checks]
    for c in failed:
        assert any(m.field == "inscp_scp_amt" for m in c.mismatches), c.message
        assert "panzhihua-7" not in c.failed_articles, (c.failed_articles, c.message)
        assert set(c.failed_articles) & {"panzhihua-9", "panzhihua-10"}, c.failed_articles
