"""Scenarios that catch an account not paying the 全自费 part (probe s27 H, F4) and a 2206 leaving the account
payment out (F7), where only a property drawing the right visit did before.

南昌 四（三）2 and 攀枝花 第五条: a balance above the personal part and a 全自费 part (A-ACCOUNT-SELFPAY); 南昌: a
2206 and then the 2207 of the same visit, with a balance, answer the same acct_pay. The twins are the probe's
mutants (tests/_s27_repeat_mutant.py), each a real HTTP server in its own process."""
from __future__ import annotations

from pathlib import Path

from sample_server import SampleServer

from conform.harness.run import CONFORMANCE, execute

MUTANT = Path(__file__).resolve().parent / "_s27_repeat_mutant.py"
FULAMT = "余额足以支付个人负担时，全自费部分也由个人账户支付（A-ACCOUNT-SELFPAY）"
PRESETTLE = "预结算（2206）与随后同一就诊的结算（2207）答复相同的个人账户支付"


def _checks(name: str | None) -> dict[tuple[str, str], object]:
    server = SampleServer() if name is None else SampleServer(script=MUTANT, script_args=(name,))
    with server:
        run, _ = execute(adapter=server.url, articles=("nanchang-4.3.2", "panzhihua-5"),
                         paths=(CONFORMANCE / "test_features.py",), extra_args=("-k", "全自费部分也 or 随后同一就诊"))
    out = {(c.policy, c.name): c for c in run.checks}
    assert set(out) == {("nanchang", FULAMT), ("panzhihua", FULAMT), ("nanchang", PRESETTLE)}, sorted(out)
    return out


def test_an_account_not_paying_the_fulamt_part_fails_in_both_documents():
    checks = _checks("s27_acct_not_for_fulamt")
    nc, pzh = checks["nanchang", FULAMT], checks["panzhihua", FULAMT]
    # 南昌 三级 1000.00, 全自费 100.00: personal part 850.00 ≤ balance 1000.00 → 850.00 (the twin: 750.00)
    assert nc.status == "failed" and "(acct_pay): expected 850.00, got 750.00" in nc.message, nc.message
    assert nc.failed_articles == ["nanchang-4.3.2"] and "A-ACCOUNT-SELFPAY" in nc.extra.get("rests_on", ()), nc.extra
    # 攀枝花 三级 500.00, 全自费 50.00: personal part 385.00 ≤ balance 1000.00 → 385.00 (the twin: 335.00)
    assert pzh.status == "failed" and "(acct_pay): expected 385.00, got 335.00" in pzh.message, pzh.message
    assert pzh.failed_articles == ["panzhihua-5"], pzh.failed_articles
    assert checks["nanchang", PRESETTLE].status == "passed"


def test_a_presettlement_leaving_the_account_out_fails():
    checks = _checks("s27_presettle_no_account")
    c = checks["nanchang", PRESETTLE]
    # 2206 of V1: acct_pay 0.00 (the twin), its 2207 500.00: compared with each other first (probe s27 R F3)
    assert c.status == "failed" and "(acct_pay): expected 0.00, got 500.00" in c.message, c.message
    assert "rests_on" not in c.extra, c.extra
    assert c.failed_articles == ["nanchang-4.3.2"], c.failed_articles
    assert checks["nanchang", FULAMT].status == checks["panzhihua", FULAMT].status == "passed"


def test_the_sample_system_passes_them():
    for c in _checks(None).values():
        assert c.status == "passed", (c.policy, c.name, c.message)
