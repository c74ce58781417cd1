"""The repeated 2207 (A-SETTLE-ONCE) is checked under the platform profile too (session s27, fixPS).

The profile registers (2201) every visit anew, so `settle` cannot resend one: PlatformAdapter.settle_again sends the
visit's last 2207 again exactly as it went (same input, same envelope, a fresh msgid). The sample system's platform
mode refuses the repeat (its ledger keeps the mdtrt_id settled); the http-profile twin s27_repeat_settled_again
(tests/_s27_repeat_mutant.py, the DEFECTS table the platform mode shares) settles it again under a new setl_id. That
second settlement must be reversed with the rest, so the pool person's next scenario finds its opening totals.
Each system is a real HTTP server in its own process.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sample_server
from sample_server import SampleServer, start_all

from conform.fixtures.sample_system.platform import sample_config
from conform.harness.run import CONFORMANCE, execute

MUTANT = Path(__file__).resolve().parent / "_s27_repeat_mutant.py"
TWIN = "s27_repeat_settled_again"
REPEAT = "同一就诊再次提交结算（2207，如超时后重发）不再结算一次，年度累计不变（A-SETTLE-ONCE）"
ARTICLES = ("panzhihua-7", "nanchang-4.2.1", "jilin-2.2", "beijing-5", "zhejiang-2.1")
POLICIES = {a.split("-")[0] for a in ARTICLES}
# 南昌 四（四）: its first scenario takes the same pool person (在职, nanchang-example: PNANE1101) after the repeat
NEXT = "外配处方在定点零售药店结算，与医院就诊共用起付线"
POOL_PERSON = "PNANE1101"

sample_server.START_TIMEOUT_S = max(sample_server.START_TIMEOUT_S, 60.0)


class Platform(SampleServer):
    """The sample system's platform mode, or the twin `twin` of tests/_s27_repeat_mutant.py in that mode."""

    def __init__(self, hooks: bool, twin: str | None = None):
        super().__init__(script=MUTANT if twin else None, script_args=(twin,) if twin else ())
        self.hooks = hooks
        self.args += ["--profile", "platform", "--platform-hooks", "all" if hooks else "none"]

    def run(self, tmp: Path, articles: tuple[str, ...], k: str):
        cfg = tmp / f"conform-{self.port}.toml"
        cfg.write_text(sample_config(self.url, hooks=self.hooks), encoding="utf-8")
        return execute(adapter=f"platform+{self.url}", config=str(cfg), articles=articles,
                       paths=(CONFORMANCE / "test_features.py",), extra_args=("-k", k))


@pytest.fixture(scope="module")
def servers():
    made = {"right": Platform(hooks=True), "twin": Platform(hooks=True, twin=TWIN),
            "twin_pool": Platform(hooks=False, twin=TWIN)}
    start_all(list(made.values()))
    yield made
    for s in made.values():
        s.stop()


def _repeats(run) -> list:
    checks = [c for c in run.checks if c.name == REPEAT]
    assert {c.policy for c in checks} == POLICIES, [(c.policy, c.name, c.status) for c in run.checks]
    return checks


def _sent_2207(check) -> list[dict]:
    return [e["request"] for e in check.evidence if isinstance(e.get("request"), dict)
            and e["request"].get("infno") == "2207"]


def test_the_platform_sample_system_passes_the_repeat_resent_unchanged(servers, tmp_path):
    run, code = servers["right"].run(tmp_path, ARTICLES, "再次提交")
    for c in _repeats(run):
        assert c.status == "passed", (c.policy, c.status, c.message)
        # the same 2207 twice: same input (mdtrt_id, chrg_bchno, figures) and envelope, each with its own msgid
        first, again = _sent_2207(c)[-2:]
        assert again["input"] == first["input"] and again["input"]["data"]["chrg_bchno"], (first, again)
        assert again["msgid"] != first["msgid"]
        assert {k: v for k, v in again.items() if k not in ("msgid", "inf_time")} == \
            {k: v for k, v in first.items() if k not in ("msgid", "inf_time")}
    assert code == 0


def test_a_platform_twin_settling_the_repeat_again_fails_on_the_reading(servers, tmp_path):
    run, code = servers["twin"].run(tmp_path, ARTICLES, "再次提交")
    assert code == 1
    for c in _repeats(run):
        assert c.status == "failed", (c.policy, c.status, c.message)
        assert "新的结算" in c.message and "setl_id" in c.message, c.message
        assert c.failed_articles == [f"{c.policy}-A-SETTLE-ONCE"], (c.policy, c.failed_articles)
        assert c.extra.get("rests_on") == ["A-SETTLE-ONCE"], c.extra


def test_the_second_settlement_is_reversed_before_the_pool_person_is_used_again(servers, tmp_path, capfd):
    run, code = servers["twin_pool"].run(tmp_path, ("nanchang-4.2.1", "nanchang-4.4"), "再次提交 or 外配处方")
    names = [c.name for c in run.checks]
    assert REPEAT in names and NEXT in names and names.index(REPEAT) < names.index(NEXT), names
    repeat, after = run.checks[names.index(REPEAT)], run.checks[names.index(NEXT)]
    assert repeat.status == "failed" and repeat.failed_articles == ["nanchang-A-SETTLE-ONCE"], (repeat.status,
                                                                                              repeat.message)
    # the same pool person, restored (both settlements of V1 reversed) and back at its opening totals
    assert POOL_PERSON in json.dumps(repeat.evidence, ensure_ascii=False, default=str)
    assert POOL_PERSON in json.dumps(after.evidence, ensure_ascii=False, default=str)
    assert after.status == "passed", (after.status, after.message)
    reversed_ = [e["request"]["input"]["data"]["setl_id"] for e in after.evidence
                 if isinstance(e.get("request"), dict) and e["request"].get("infno") == "2208"]
    settled = {e["response"]["output"]["setlinfo"]["setl_id"] for e in repeat.evidence
               if isinstance(e.get("request"), dict) and e["request"].get("infno") == "2207"}
    assert len(settled) == 2 and reversed_[:2] == sorted(settled), (settled, reversed_)   # first, then the repeat's
    assert not [c for c in run.checks if c.status == "error"]
    said = " ".join(c.message for c in run.checks) + capfd.readouterr().err
    assert "cannot be restored" not in said and "not restored" not in said and "did not undo" not in said
    assert code == 1
