"""The 2207 of a visit is compared with its own 2206 answer (probe s27 R F3): a system whose pre-settlement and
settlement of the very same request disagree fails on that, resting on no reading, before the hand-worked figures
(which rest on A-ACCOUNT-SELFPAY) are compared. The twin is tests/_s27_repeat_mutant.py's s27_presettle_no_account
(the 2206 answer leaves the account payment out; the 2207 is right)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sample_server import SampleServer, twin_servers

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import CONFORMANCE, execute
from conform.harness.steps.vocabulary import FACILITY_NAMES, MED_TYPE_NAMES
from conform.harness.steps.world import ScenarioError, World

MUTANT = Path(__file__).resolve().parent / "_s27_repeat_mutant.py"
TWIN = "s27_presettle_no_account"
PRESETTLE = "预结算（2206）与随后同一就诊的结算（2207）答复相同的个人账户支付"


def _check(url: str):
    run, _ = execute(adapter=url, articles=("nanchang-4.3.2",), paths=(CONFORMANCE / "test_features.py",),
                     extra_args=("-k", "随后同一就诊"))
    (c,) = [c for c in run.checks if c.name == PRESETTLE]
    return c


def test_a_2206_disagreeing_with_its_2207_fails_on_no_reading():
    with twin_servers(MUTANT, (TWIN,)) as urls:
        c = _check(urls[TWIN])
    assert c.status == "failed", (c.status, c.message)
    # 2206: acct_pay 0.00, cash 800.00 (the twin); 2207: 500.00, 300.00 — the two answers, not the hand figures
    assert "V1 个人账户支付（结算 2207 应与预结算 2206 答复相同） (acct_pay): expected 0.00, got 500.00" in c.message, c.message
    assert "(psn_cash_pay): expected 800.00, got 300.00" in c.message, c.message
    assert "rests_on" not in c.extra and "A-ACCOUNT-SELFPAY" not in c.extra.get("assumptions", ()), c.extra
    assert c.failed_articles == ["nanchang-4.3.2"], c.failed_articles


def test_the_sample_system_passes():
    with SampleServer() as server:
        c = _check(server.url)
    assert c.status == "passed", c.message


def _visit(vid: str, total: str = "1000.00") -> dict:
    return {"id": vid, "date": "2023-03-01", "facility": FACILITY_NAMES["三级医疗机构"],
            "med_type": MED_TYPE_NAMES["普通门诊"], "medfee_sumamt": total}


def _world() -> World:
    w = World(ReferenceAdapter())
    w.policy = "nanchang"
    w.set_person(acct_balance="500.00")
    return w


def test_the_same_request_straight_after_its_presettlement_is_compared():
    w = _world()
    w.settle(_visit("V1"), presettle=True)
    w.settle(_visit("V1"))
    w.expect_as_presettled("V1")   # the reference answers both alike
    assert w.results["V1"] is not w.presettled["V1"][1]


def test_a_step_comparing_what_may_differ_is_a_scenario_error():
    w = _world()   # another settlement between them takes the balance: the 2207 may lawfully answer otherwise
    w.settle(_visit("V1"), presettle=True)
    w.settle(_visit("V2", "300.00"))
    w.settle(_visit("V1"))
    with pytest.raises(ScenarioError, match="between the 预结算 and the 结算"):
        w.expect_as_presettled("V1")
    w = _world()   # another request under the same id
    w.settle(_visit("V1"), presettle=True)
    w.settle(_visit("V1", "900.00"))
    with pytest.raises(ScenarioError, match="not the request its 预结算 was"):
        w.expect_as_presettled("V1")
    w = _world()   # no 2206 at all
    w.settle(_visit("V1"))
    with pytest.raises(ScenarioError, match="no pre-settlement"):
        w.expect_as_presettled("V1")
