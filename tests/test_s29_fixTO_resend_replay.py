"""The deliberately re-sent 2207 (同一就诊再次提交结算…（A-SETTLE-ONCE）, connect-your-system.md §3) answered by the stored
answer to the first one (probe s29 C F5). Replaying the stored answer is the usual way to answer a resend once: same
setl_id, same figures, and the first request's inf_refmsgid, which the harness now accepts on the resend (§1: a resend's
answer may cite its own msgid or the first 2207's). An answer citing a msgid neither request had still fails on
inf_refmsgid, and that failure rests on the reading A-SETTLE-ONCE, not on 第七条 (the scenario's tag): the texts are
silent on a resend. Twins: tests/_s29_fixTO_mutant.py, real HTTP servers in their own processes."""
from __future__ import annotations

from pathlib import Path

import pytest
from sample_server import twin_servers

from conform.harness.run import CONFORMANCE, execute

MUTANT = Path(__file__).resolve().parent / "_s29_fixTO_mutant.py"
K = "再次提交结算"


@pytest.fixture(scope="module")
def checks():
    names = ("s29_replay_first_answer", "s29_replay_foreign_msgid")
    out = {}
    with twin_servers(MUTANT, names) as urls:
        for name in names:
            run, _ = execute(adapter=urls[name], policies=("panzhihua",), paths=(CONFORMANCE / "test_features.py",),
                             extra_args=("-k", K))
            assert len(run.checks) == 1 and "A-SETTLE-ONCE" in run.checks[0].name, [c.name for c in run.checks]
            out[name] = run.checks[0]
    return out


def test_a_replay_of_the_stored_first_answer_passes(checks):
    c = checks["s29_replay_first_answer"]
    assert c.status == "passed", (c.status, c.message, c.mismatches)


def test_an_answer_citing_another_request_fails_on_the_reading_not_on_the_article(checks):
    c = checks["s29_replay_foreign_msgid"]
    assert c.status == "failed", (c.status, c.message)
    assert [m.field for m in c.mismatches] == ["inf_refmsgid"], c.mismatches
    assert "或首次提交的" in c.mismatches[0].expected, c.mismatches[0]
    assert c.mismatches[0].actual == "CONFORM00000202001010000009999", c.mismatches[0]
    assert c.failed_articles == ["panzhihua-A-SETTLE-ONCE"], c.failed_articles
    assert c.extra.get("rests_on") == ["A-SETTLE-ONCE"], c.extra
