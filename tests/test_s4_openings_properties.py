"""The account_credit property states each account holder's opening balance: the balance after a credit is
that opening plus the credit, as a credit no longer opens an account nobody gave a balance for at 0.00 (the
reference keeps such a balance unknown, so the property's balance check would have nothing to compare)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conform.harness.generators import holds_account
from conform.harness.properties.accounts import credit_years

POLICIES = ("panzhihua", "nanchang", "beijing", "zhejiang")


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(st.sampled_from(POLICIES).flatmap(credit_years))
def test_every_account_holder_drawn_for_credits_has_an_opening_balance(ex):
    p = ex.person
    if holds_account(ex.setting, p.has_account, p.is_flexible, p.flex_tier):
        assert p.acct_balance is not None
    else:  # 攀枝花 tier-2 flexible: no account, no balance (第四条 credits nothing, A-PZH-FLEX-TIER2)
        assert p.acct_balance is None
