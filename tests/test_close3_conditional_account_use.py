"""A use the cited article allows on a condition the request cannot show is worded as such, not as a silent
text (closing review rclose3, defect 6).

南昌 四（三）2 “购买经市医疗保障局备案的商业补充医疗保险”, 浙江 二（四）“参加本省城乡居民基本医保、大病保险等个人缴费”,
北京（四）“与基本医疗保险相衔接的本市商业健康保险产品”: each names the use and allows it under a condition that a T003
request (relation, purpose, amount) cannot carry. The step read “个人账户使用未作规定，依据 …，限 …”, which a
regulator reads as the article being silent, and its 依据 clause was never compared.
"""
from __future__ import annotations

import glob
from types import SimpleNamespace

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.run import ROOT
from conform.harness.steps.library import then_use
from conform.harness.steps.world import ScenarioError, World

COND = "经市医疗保障局备案的商业补充医疗保险"


def _then(decision, clause, condition, answer):
    w = World(ReferenceAdapter())
    w.last_use = answer
    request = SimpleNamespace(node=SimpleNamespace(user_properties=[]))
    then_use(w, request, decision, clause, condition)
    return [text for key, text in request.node.user_properties if key == "conform_note"]


@pytest.mark.parametrize("decision", ["allowed", "refused", "undetermined"])
def test_any_answer_passes_and_the_note_says_the_article_allows_it_on_a_condition(decision):
    (said,) = _then("有条件允许", "四（三）2", COND, {"decision": decision, "clause": "南昌 四（三）2"})
    assert said.startswith(f"依据 四（三）2 在满足“{COND}”的条件下可以使用；请求无法表明是否满足，任何答复均接受")
    assert f"（{decision}）" in said and "文件未作规定" not in said


def test_a_clause_the_answer_carries_must_be_the_cited_one():
    with pytest.raises(MismatchError) as e:
        _then("有条件允许", "四（三）2", COND, {"decision": "allowed", "clause": "南昌 四（三）1"})
    (m,) = e.value.mismatches
    assert (m.field, m.expected, m.actual) == ("clause", "四（三）2", "南昌 四（三）1")


@pytest.mark.parametrize("clause", [None, ""])
def test_an_answer_without_a_clause_passes_and_the_note_says_none_was_given(clause):
    (said,) = _then("有条件允许", "四（三）2", COND, {"decision": "refused", "clause": clause})
    assert "未给出依据条款" in said


def test_an_answer_outside_the_three_fails():
    with pytest.raises(MismatchError):
        _then("有条件允许", "四（三）2", COND, {"decision": "maybe", "clause": "南昌 四（三）2"})


def test_a_condition_after_undetermined_is_a_feature_error_naming_the_conditional_form():
    with pytest.raises(ScenarioError, match="有条件允许"):
        _then("未作规定", "四（三）2", COND, {"decision": "allowed", "clause": "南昌 四（三）2"})


def test_no_feature_words_a_conditional_use_as_undetermined():
    lines = [line.strip() for f in glob.glob(str(ROOT / "features" / "**" / "*.feature"), recursive=True)
             for line in open(f, encoding="utf-8") if '，限 "' in line and "个人账户使用" in line]
    assert len(lines) == 3 and all("个人账户使用有条件允许，依据 " in line for line in lines), lines
