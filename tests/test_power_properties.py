"""The properties catch the issue-10 twins whatever the seed, and blame only the articles they found broken.

Each twin (fixtures/sample_system/defects.py) runs as its own HTTP server; only the
property that must catch it runs, for 南昌, under the session's default profile
(no example count given), with two different seeds. Explicit examples make the catch
certain; the shaped strategies (harness/generators.fen_edge_years, reversals_across)
catch them without those too (measured by hand when they were written).
"""
from __future__ import annotations

import pytest
from sample_server import SampleServer, start_all

from harness.run import CONFORMANCE, execute

PROPERTY_TESTS = CONFORMANCE / "test_properties.py"
SEEDS = ("11", "20231231")

# twin → the property that must catch it, and why
CAUGHT_BY = {
    # V3 of the explicit year: the running total 100.01 rounds to 100.01 and pays 50.00, not 50.005 → 50.01
    "round_running_total": "settlement_exact",
    # 0.01 of deductible left is counted as 0 yuan: act_pay_dedc 0.00 instead of 0.01
    "deductible_left_whole_yuan": "settlement_exact",
    # 0.50 of the cap left is truncated to 0 yuan: hifp_pay 0.00 instead of 0.50
    "cap_left_whole_yuan": "settlement_exact",
    # retired before V3: still paid at the in-service 50% instead of 55%
    "role_at_year_start": "settlement_exact",
    # V2 crosses the deductible's last 100 and the cap: paid 1750 (cap taken before the deductible), not 1800
    "cap_before_deductible": "settlement_exact",
    # a pharmacy visit before the deductible is used up: counted 0 and paid from the first yuan
    "pharmacy_skips_deductible": "settlement_exact",
    # reversing December's V1 in January leaves the old year's 600/200 and empties the new one
    "reversal_in_current_year": "cross_year_reversal",
}


@pytest.fixture(scope="module")
def twins():
    servers = {name: SampleServer(defect=name) for name in CAUGHT_BY}
    start_all(list(servers.values()))
    yield servers
    for s in servers.values():
        s.stop()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_property_catches_twin_whatever_the_seed(defect, seed, twins):
    prop = CAUGHT_BY[defect]
    run, _ = execute(adapter=twins[defect].url, policies=("nanchang",), tag="conform_property",
                     extra_args=("--conform-seed", seed, "-k", f"test_{prop}"), paths=(PROPERTY_TESTS,))
    assert [c.extra.get("property") for c in run.checks] == [prop]
    c = run.checks[0]
    assert c.status == "failed", f"{defect} seed {seed}: {c.status} {c.message[:300]}"
    # Blame only what failed: 四（二）1, not the other articles the property is tagged with.
    assert c.failed_articles == ["nanchang-4.2.1"]
    assert c.mismatches and c.counterexample.startswith("# language: zh-CN")
    # What was compared, in Chinese, and never an exception class name.
    assert "应为" in c.message and "Error" not in c.message and "Violation" not in c.message
