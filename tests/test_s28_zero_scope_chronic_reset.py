"""Scenarios for two classes only a property drawing the right visit caught before (probe s28 H3):

F5 — a system refusing every visit whose 政策范围内费用 is 0 (a fully 全自费 bill) passed 浙江 and 北京: their account-use
features (浙江 二（四）, 北京（四）) now settle such a bill with a balance, fund 0.00, the account paying the 个人负担
(A-ACCOUNT-SELFPAY, as 南昌 四（三）2 and 攀枝花 第五条 do for a partly 全自费 bill).
F6 — a system never resetting the chronic-disease totals on 1 January passed 南昌 (--seed 7): 南昌 四（二）2 and 攀枝花
第十条 now use up a disease's cap on 31 December and ask for the full cap on 1 January (the twin of 吉林 二(三)'s
“慢性病年度限额在1月1日重新计算”).

The twins are the probe's mutants (tests/_s28_scenario_mutants.py), each a real HTTP server in its own process; the
scenarios alone are run, so the result does not depend on which examples a seed draws."""
from __future__ import annotations

from pathlib import Path

import pytest
from sample_server import SampleServer, twin_servers

from conform.harness.run import CONFORMANCE, execute

MUTANTS = Path(__file__).resolve().parent / "_s28_scenario_mutants.py"
ZERO_SCOPE = "全部为全自费的账单照常结算，统筹基金支付 0.00，个人负担由个人账户支付（A-ACCOUNT-SELFPAY）"
NC_RESET = "病种年度限额在1月1日重新计算，12月用满的限额在新年度全额可用"
PZH_RESET = ("病种起付线和年度限额在1月1日重新计算，12月用满的限额在新年度全额可用"
             "（5206 按病种累计，A-PZH-CHRONIC-PER-DISEASE）")
NEW = {("zhejiang", ZERO_SCOPE), ("beijing", ZERO_SCOPE), ("nanchang", NC_RESET), ("panzhihua", PZH_RESET)}
K = "全部为全自费的账单 or 12月用满的限额"


def _checks(url: str) -> dict[tuple[str, str], object]:
    run, _ = execute(adapter=url, policies=("zhejiang", "beijing", "nanchang", "panzhihua"),
                     paths=(CONFORMANCE / "test_features.py",), extra_args=("-k", K))
    out = {(c.policy, c.name): c for c in run.checks}
    assert set(out) == NEW, sorted(out)
    return out


@pytest.fixture(scope="module")
def twins():
    with twin_servers(MUTANTS, ("m_refuse_zero_inscp", "m_chronic_not_reset_new_year")) as urls:
        yield {name: _checks(url) for name, url in urls.items()}


def test_a_system_refusing_a_zero_scope_bill_fails_zhejiang_and_beijing(twins):
    checks = twins["m_refuse_zero_inscp"]
    for policy, article in (("zhejiang", "zhejiang-2.1"), ("beijing", "beijing-5")):
        c = checks[policy, ZERO_SCOPE]
        # 全自费 300.00 / 250.00 of a bill of as much: 政策范围内 0.00, yet a settlement (fund 0.00, the account paying)
        assert c.status == "failed", (policy, c.status, c.message)
        assert "expected 0（结算成功）" in c.message and "政策范围内费用为0" in c.message, c.message
        assert article in c.failed_articles, c.failed_articles
    # the chronic totals are this twin's right
    assert checks["nanchang", NC_RESET].status == checks["panzhihua", PZH_RESET].status == "passed"


def test_a_system_keeping_last_years_chronic_totals_fails_nanchang_and_panzhihua(twins):
    checks = twins["m_chronic_not_reset_new_year"]
    nc, pzh = checks["nanchang", NC_RESET], checks["panzhihua", PZH_RESET]
    # 南昌 M03900 80%, cap 4000: V2 on 2024-01-01, 5000 × 80% = 4000.00 of a new year's cap (the twin: cap used up, 0.00)
    assert nc.status == "failed" and "V2 慢特病统筹支付 (chronic_pay): expected 4000.00, got 0.00" in nc.message, nc.message
    assert "nanchang-4.2.2" in nc.failed_articles, nc.failed_articles
    # 攀枝花 M00500 起付线 300, 80%, cap 4000: V2 charged 300 again, (5300 − 300) × 80% = 4000.00 (the twin: deductible
    # met, cap used up → chronic 0.00, the visit sent on to ordinary pooling by 第十一条)
    assert pzh.status == "failed", pzh.message
    for part in ("V2 本次起付线 (act_pay_dedc): expected 300.00", "V2 慢特病统筹支付 (chronic_pay): expected 4000.00, got 0.00"):
        assert part in pzh.message, pzh.message
    assert "panzhihua-10" in pzh.failed_articles, pzh.failed_articles
    # a zero-scope bill is this twin's right
    assert checks["zhejiang", ZERO_SCOPE].status == checks["beijing", ZERO_SCOPE].status == "passed"


def test_the_sample_system_passes_them():
    with SampleServer() as server:
        for c in _checks(server.url).values():
            assert c.status == "passed", (c.policy, c.name, c.message)
