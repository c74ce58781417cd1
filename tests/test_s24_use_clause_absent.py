"""T003's `clause` is optional (openapi.yaml UseOutput: required [decision]; "left out or given as JSON null: both
count as absent"). A scenario's `个人账户使用被允许，依据 "第五条"` against an answer without one is not failed on
`clause` (probeT F3: 38 攀枝花 checks failed `应为 第五条，实际 None`): the 依据 is not compared and the scenario, unless a
step fails, is not applicable at its end (World.conclude), as for an unreported route-split figure. A clause the
answer does give must still be the cited one, and a wrong decision still fails.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from conform.harness.adapters import NotApplicable
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.steps.library import then_use
from conform.harness.steps.world import World


def _then(decision, clause, answer):
    w = World(ReferenceAdapter())
    w.last_use = answer
    then_use(w, SimpleNamespace(node=SimpleNamespace(user_properties=[])), decision, clause, None)
    return w


@pytest.mark.parametrize("answer", [{"decision": "allowed"}, {"decision": "allowed", "clause": None}],
                         ids=["left out", "null"])
def test_an_allowed_use_without_a_clause_is_not_failed_but_not_applicable_at_the_end(answer):
    w = _then("被允许", "第五条", answer)  # no MismatchError
    with pytest.raises(NotApplicable, match="第五条") as e:
        w.conclude()
    assert "clause" in str(e.value)


def test_a_refused_use_without_a_clause_is_not_failed_either():
    w = _then("被拒绝", "第十九条", {"decision": "refused"})
    with pytest.raises(NotApplicable):
        w.conclude()


def test_a_wrong_decision_without_a_clause_fails_on_the_decision_alone():
    with pytest.raises(MismatchError) as e:
        _then("被允许", "第五条", {"decision": "refused"})
    assert [m.field for m in e.value.mismatches] == ["decision"]


def test_a_clause_given_must_still_be_the_cited_one():
    with pytest.raises(MismatchError) as e:
        _then("被允许", "第五条", {"decision": "allowed", "clause": "攀枝花 第六条"})
    (m,) = e.value.mismatches
    assert (m.field, m.expected, m.actual) == ("clause", "第五条", "攀枝花 第六条")


def test_the_cited_clause_passes_in_full():
    _then("被允许", "第五条", {"decision": "allowed", "clause": "攀枝花 第五条"}).conclude()  # applicable, passed


def test_a_step_naming_no_clause_leaves_the_scenario_applicable():
    _then("被允许", None, {"decision": "allowed"}).conclude()
