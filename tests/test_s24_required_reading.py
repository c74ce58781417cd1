"""A refusal for a missing value whose requirement names the reading that has the tool refuse (攀枝花
A-PZH-REMOTE-UNFILED: 第七条 fixes no ratio for an unfiled person outside the city, and the tool refuses rather
than guess) rests on that reading: a system paying such a visit at the local standard fails on 第七条 *and* the
check says it rests on A-PZH-REMOTE-UNFILED (probe s24 R F2b). A refusal for a missing value with no reading
of its own (吉林's chronic ratio) names none."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError
from conform.harness.steps.library import then_refused, when_visit_may_be_refused
from conform.harness.steps.world import World
from conform.reference.policy import MissingParameter, load_policy


class PaysUnfiledLocal(ReferenceAdapter):
    """The reference, but an unfiled person's visit outside the city is paid 第七条's local (filed) ratio: a
    subclass is a system under test like any other (World runs the reference beside it)."""

    name = "pays-unfiled-local"

    def prepare_person(self, subject):
        return super().prepare_person(dataclasses.replace(subject, params={
            **subject.params, "ordinary.ratio.remote_unfiled": "0.50"}))


def _visit(world: World, flags: str = "异地就医") -> None:
    when_visit_may_be_refused(world, "2023-03-01", "三级医疗机构", "普通门诊", None, "结算", "1000.00", None, flags)


def test_the_requirement_names_its_reading_on_the_refusal():
    req = load_policy("panzhihua").requirement_for("ordinary.ratio.remote_unfiled")
    assert MissingParameter("ordinary.ratio.remote_unfiled", req, load_policy("panzhihua")).reading == "A-PZH-REMOTE-UNFILED"
    chronic = load_policy("jilin").requirement_for("chronic.ratio")
    assert chronic is not None and chronic.assumption is None
    assert MissingParameter("chronic.ratio", chronic, load_policy("jilin")).reading is None


def test_paying_an_unfiled_remote_visit_rests_on_the_reading_that_refuses_it():
    w = World(PaysUnfiledLocal())
    w.policy = "panzhihua"
    w.set_person(psn_no="PZH-0721", psn_type="1101")
    _visit(w)
    assert w.refusal is None  # the system paid it
    with pytest.raises(MismatchError) as e:
        then_refused(w, SimpleNamespace(node=SimpleNamespace(user_properties=[])))
    assert e.value.readings == ["A-PZH-REMOTE-UNFILED"]
    clause = e.value.trace[0]["clause"]
    assert "第七条" in clause and "A-PZH-REMOTE-UNFILED" in clause, clause
