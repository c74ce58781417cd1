"""A property failing on an answer about another request (probe s29 C F1): the HTTP adapter's echo checks
(inf_refmsgid, psn_no: MismatchError) escaped the property runner as a bare exception, so the check had no
counterexample, no article (results.json failed_articles [], docs/ci.md: "never none") and as its message
Hypothesis's repr of the drawn data ("Failing test case: example(ex=PersonYear(setting=Setting(…") or
"[single exception in FlakyFailure]". Now it fails like any property violation: the field listed (the msgid sent
against the one answered), the story sent as its counterexample, blamed on the property's own articles.

The twin (tests/_s29_fixRN_mutant.py) answers each 2207 citing the previous request's msgid."""
from __future__ import annotations

import os
import re
from pathlib import Path
from unittest import mock

import pytest

from conform.harness.properties import load
from conform.harness.run import CONFORMANCE, execute

from sample_server import SampleServer

MUTANT = Path(__file__).with_name("_s29_fixRN_mutant.py")


@pytest.fixture(scope="module")
def url():
    server = SampleServer(script=MUTANT, script_args=("s29_2207_cites_previous",)).start()
    try:
        yield server.url
    finally:
        server.stop()


def run_checks(url: str, props: tuple[str, ...], policy: str = "panzhihua") -> dict:
    with mock.patch.dict(os.environ, {"CONFORM_PROFILE": "conform"}):
        run, _ = execute(adapter=url, policies=(policy,), tag="conform_property",
                         paths=(CONFORMANCE / "test_properties.py",),
                         extra_args=("--conform-seed", "7", "--conform-examples", "10", "--conform-shrink-seconds", "30",
                                     "-k", " or ".join(f"test_{p}" for p in props)))
    return {c.extra.get("property"): c for c in run.checks}


@pytest.mark.parametrize("prop", ["money_identities", "stateful_ledger", "persons_apart"])
def test_an_answer_citing_another_request_fails_like_a_violation(url, prop):
    c = run_checks(url, (prop,))[prop]
    assert c.status == "failed", (c.status, c.message[:400])
    [m] = [m for m in c.mismatches if m.field == "inf_refmsgid"][:1]
    assert m.expected != m.actual and m.expected and m.actual  # the msgid sent, the one answered
    # a counterexample of the story sent (its 2207 the one answered about another request)
    assert "普通门诊结算医疗费用" in c.counterexample, c.counterexample[:400]
    # blamed on the property's own articles, never none
    own = {f"panzhihua-{a}" for a in load()[prop].clauses["panzhihua"]}
    assert c.failed_articles and set(c.failed_articles) <= own, (c.failed_articles, own)
    # no Python repr of the drawn data, no exception-group wording
    for text in (c.message, *(str(e.get("error") or "") for e in c.evidence)):
        assert not re.search(r"PersonYear\(|Setting\(|FlakyFailure|Failing test case|MismatchError", text), text[:400]
    assert "inf_refmsgid" in c.message and m.expected in c.message


def test_an_answer_disagreeing_with_itself_is_not_called_an_answer_about_another_request():
    """The platform profile's adapter checks the answer's own parts too (a 2204 fee line's 先行自付, the setldetail fund
    rows against their total, insutype): such a mismatch is no answer about another request, and the headline must not
    say so (review s29 R2 F1); an echo field (inf_refmsgid, psn_no, mdtrt_id) keeps that headline."""
    from conform.harness.plugin import MismatchError
    from conform.harness.properties.base import Context, PropertyViolation
    from conform.harness.properties.runner import Budget, GuardedAdapter
    from conform.harness.results import Mismatch

    class Answers:
        def __init__(self, mismatch: Mismatch):
            self.mismatch = mismatch

        def settle(self, psn_no, settlement):
            raise MismatchError([self.mismatch], [])

    heads = {}
    for field, item in (("preselfpay_amt", "2204 feedetl_sn 1"), ("inf_refmsgid", "2207")):
        guarded = GuardedAdapter(Answers(Mismatch(field, "20.00", "0.00", item, field)), Budget(60.0))
        guarded.ctx = Context(guarded, "panzhihua", load()["money_identities"])
        with pytest.raises(PropertyViolation) as e:
            guarded.settle("P1", None)
        heads[field] = e.value.headline
    assert "another request" not in heads["preselfpay_amt"] and "its own other parts" in heads["preselfpay_amt"]
    assert "answered about another request" in heads["inf_refmsgid"]
