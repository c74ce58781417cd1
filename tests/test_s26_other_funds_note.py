"""A failing scenario whose system paid other funds says so (s25 probe ZR R2): a lawful 浙江 system whose 大病保险 pays
part of the ordinary personal part fails the scenarios (they expect test persons without other funds, as
docs/connect-your-system.md says), and the failure now names the other fund paid — 基金支付总额 − 统筹基金支付 — beside
the figures, instead of leaving the vendor with a breach of 浙江 二（一） alone. The verdict is unchanged."""
from __future__ import annotations

from pathlib import Path

from sample_server import SampleServer

from conform.harness.plugin import OTHER_FUNDS_NOTE
from conform.harness.run import CONFORMANCE, execute

MUTANT = Path(__file__).resolve().parent / "_s26_other_funds_mutant.py"
NOTE_HEAD = OTHER_FUNDS_NOTE.split("（", 1)[0]


def _scenarios(adapter: str | None) -> list:
    kwargs = {"adapter": adapter} if adapter else {}
    run, _ = execute(articles=("zhejiang-2.1",), paths=(CONFORMANCE / "test_features.py",), **kwargs)
    return run.checks


def test_a_system_paying_other_funds_fails_with_the_other_fund_named():
    with SampleServer(script=MUTANT, script_args=("big_illness",)) as server:
        checks = _scenarios(server.url)
    failed = [c for c in checks if c.status == "failed"]
    assert failed  # still 不合格: the scenarios expect no other fund
    noted = [c for c in failed if NOTE_HEAD in c.message]
    assert noted, [c.message for c in failed]
    for c in noted:
        # "V2 450.00": a settlement and the amount by which 基金支付总额 exceeds 统筹基金支付, from its answer
        paid = c.extra["other_funds_paid"]
        assert paid and all(part.split(" ")[1].replace(".", "").isdigit() for part in paid.split("，"))
        assert f"（{paid}；" in c.message


def test_a_failure_without_other_funds_carries_no_such_note():
    with SampleServer(defect="retiree_ratio_for_in_service") as server:
        checks = _scenarios(server.url)
    failed = [c for c in checks if c.status == "failed"]
    assert failed
    assert not any(NOTE_HEAD in c.message or c.extra.get("other_funds_paid") for c in failed)
