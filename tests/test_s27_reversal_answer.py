"""A 2208 answer is compared on every amount of its 2207, negated, and its balc on the balance after the refund
(probe s27/probeH F2).

docs/connect-your-system.md (2208): a reversal answers the 2207's figures negated, and its example gives `balc` after
the account got its payment back. The differential compared only 本次起付线, 统筹基金支付 and 个人账户支付: a 2208
answering psn_cash_pay and fund_pay_sumamt as 0.00 (the HIS refunds the patient's cash by that figure), or a balc
before the refund, was certified 合格. Both are failures resting on A-REVERSAL (no text speaks of reversals), as a
reversal's other figures are. Each defective system is a real HTTP server in its own process (tests/_s27_property_twins.py
registers the twin in the sample system's DEFECTS and serves it); the correct sample system still passes."""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.harness.results import CheckResult

from property_runs import seeded_property
from sample_server import shared, twin_servers

REVERSAL = "A-REVERSAL"

TWINS = Path(__file__).with_name("_s27_property_twins.py")


@pytest.fixture(scope="module")
def twin():
    """name → the URL of a sample system with that 2208 defect, each stopped at the end."""
    with twin_servers(TWINS, ("rev_cash_zero", "rev_balc_before_refund")) as urls:
        yield urls


def _differential(url: str) -> CheckResult:
    return seeded_property(url, "nanchang", "differential", 1, 30)


def test_a_reversal_answering_no_cash_refund_fails_resting_on_a_reversal(twin):
    c = _differential(twin["rev_cash_zero"])
    assert c.status == "failed", (c.status, c.message[:400])
    assert "-撤销 现金支付 (psn_cash_pay)" in c.message, c.message[:600]
    assert "-撤销 基金支付总额 (fund_pay_sumamt)" in c.message, c.message[:600]
    assert REVERSAL in (c.extra.get("rests_on") or []), c.extra


def test_a_reversal_answering_the_balance_before_the_refund_fails_on_balc(twin):
    c = _differential(twin["rev_balc_before_refund"])
    assert c.status == "failed", (c.status, c.message[:400])
    assert "-撤销 个人账户余额 (balc)" in c.message and "撤销退回后的余额" in c.message, c.message[:600]
    assert REVERSAL in (c.extra.get("rests_on") or []), c.extra
    assert c.failed_articles == ["nanchang-4.3.2"], c.failed_articles  # the account's article, not a benefit's


def test_the_sample_system_answers_its_reversals_as_the_reference_does():
    c = _differential(shared().url)
    assert c.status == "passed", (c.status, c.message[:600])
