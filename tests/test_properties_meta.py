"""The properties themselves: they hold for correct systems, they catch every defective twin, and
the counterexample they print is a scenario that fails against the twin and passes against the reference.

The sample system (conform/fixtures/sample_system) runs as its own processes on free loopback ports —
the correct one and each defective variant (conform/fixtures/sample_system/defects.py). Properties run
in-process through `conform.harness.run.execute` (only test_properties.py, so no feature file is
parsed); a counterexample is pasted into a temporary feature file and run by pytest-bdd in a
subprocess (conform/harness/conformance/test_features.py reads CONFORM_FEATURES).
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_server import SampleServer, start_all

from conform.fixtures.sample_system.defects import DEFECTS
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.counterexample import render_feature
from conform.harness.generators import credit_requests, person_years
from conform.harness.properties import load
from conform.harness.properties.base import Credit, Reverse, Story, Use
from conform.harness.results import RunResult
from conform.harness.run import CONFORMANCE, ROOT, execute
from conform.reference.case import PURPOSES, RELATIONS, UseRequest
from conform.reference.money import fmt
from conform.reference.policy import POLICY_IDS

PROPERTY_TESTS = CONFORMANCE / "test_properties.py"
SEED = "20230101"

# defect → (policy, properties expected to catch it). Why each one must:
CAUGHT_BY: dict[str, tuple[str, tuple[str, ...]]] = {
    # a second visit in the year counts the deductible again: the year's act_pay_dedc passes 600
    "deductible_per_visit": ("nanchang", ("deductible", "differential")),
    # last year's pooling payments still count on 1 January: this year's figures depend on last year
    "cap_not_reset_on_new_year": ("nanchang", ("year_independent",)),
    # pharmacy paid at 二级 55%, not the region's pharmacy ratio (A-NC-PHARMACY: nanchang-example 58%, and 50% in
    # the other setting drawn, where 55% is also above the bound): every pharmacy visit past the deductible differs
    "pharmacy_at_secondary_rate": ("nanchang", ("differential",)),
    # in-service paid at 55% > their 50% at 三级 (四（二）1)
    "retiree_ratio_for_in_service": ("nanchang", ("settlement_ratio_bound",)),
    # x.xx5 rounded to even: one fen less than the reference's half-up
    "rounding_half_even": ("nanchang", ("differential",)),
    # fractions of a fen dropped: one fen less than the reference's half-up
    "rounding_truncate": ("nanchang", ("differential",)),
    # a half fen whose binary double lies below it rounded down (s26 probe1 F1): the explicit off-grid year of
    # settlement._fen_edge_examples pays (100.05 × 50%) = 50.025 → 50.03 half-up, 50.02 in floating point
    "rounding_float": ("nanchang", ("settlement_exact",)),
    # 全自费 fills the deductible: act_pay_dedc above the visit's policy-scope amount
    "deductible_on_total": ("nanchang", ("deductible",)),
    # a visit crossing the cap is refused instead of paid up to it
    "refuse_over_cap": ("nanchang", ("annual_cap",)),
    # after 2208 the totals still hold the reversed settlement
    "reversal_keeps_ytd": ("nanchang", ("stateful_ledger",)),
    # 先行自付 left inside 政策范围内费用: medfee ≠ the parts plus inscp_scp_amt
    "policy_scope_ignores_preselfpay": ("panzhihua", ("money_identities",)),
    # issue 10 (tests/test_power_properties.py tries several seeds): each settlement checked exactly
    "round_running_total": ("nanchang", ("settlement_exact",)),
    "deductible_left_whole_yuan": ("nanchang", ("settlement_exact",)),
    "cap_left_whole_yuan": ("nanchang", ("settlement_exact",)),
    "role_at_year_start": ("nanchang", ("settlement_exact",)),
    "reversal_in_current_year": ("nanchang", ("cross_year_reversal",)),
    "cap_before_deductible": ("nanchang", ("settlement_exact",)),
    "pharmacy_skips_deductible": ("nanchang", ("settlement_exact",)),
}


def test_every_defect_has_a_property_that_must_catch_it():
    assert set(CAUGHT_BY) == set(DEFECTS)
    props = load()
    for policy, ids in CAUGHT_BY.values():
        for pid in ids:
            assert policy in props[pid].policies, (pid, policy)


@pytest.fixture(scope="module")
def servers():
    servers = {"correct": SampleServer(), **{name: SampleServer(defect=name) for name in DEFECTS}}
    start_all(list(servers.values()))
    yield servers
    for s in servers.values():
        s.stop()


def run_properties(adapter: str | None = None, policies: tuple[str, ...] = (), only: tuple[str, ...] = (),
                   *extra: str) -> RunResult:
    args = ["--conform-seed", SEED, *extra]
    if only:
        args += ["-k", " or ".join(f"test_{p}" for p in only)]
    run, _ = execute(adapter=adapter, policies=policies, tag="conform_property", extra_args=tuple(args),
                     paths=(PROPERTY_TESTS,))
    return run


# --------------------------------------------------------------------------- (a) they hold


def test_properties_hold_for_the_reference_and_record_seed_and_examples():
    run = run_properties(None, (), (), "--conform-examples", "10")
    props = load()
    assert {c.extra.get("property") for c in run.checks} == set(props)
    assert len(run.checks) == sum(len(p.policies) for p in props.values())
    for c in run.checks:
        assert c.kind == "property" and c.policy and c.articles, c.nodeid
        if c.extra["property"] == "differential":  # the reference compared with itself proves nothing
            assert c.status == "skipped", c.nodeid
        else:
            assert c.status == "passed", f"{c.name}: {c.message}"
            assert c.extra["examples"] >= 10, c.nodeid
    assert run.seed == SEED
    assert run.examples["profile"] in ("conform", "ci") and run.examples["max_examples"] == 10
    assert run.examples["total"] == sum(c.extra.get("examples", 0) for c in run.checks)


def test_properties_hold_for_the_correct_sample_server(servers):
    run = run_properties(servers["correct"].url, (), (), "--conform-examples", "6")
    assert run.checks and not run.unreachable
    bad = [(c.name, c.status, c.message[:300]) for c in run.checks if c.status != "passed"]
    assert not bad
    assert any(c.extra["property"] == "differential" for c in run.checks)  # compared field by field here


# --------------------------------------------------------------------------- (b) they catch every defect


PRINTED: dict[str, str] = {}


@pytest.fixture(scope="module")
def defect_runs(servers) -> dict[str, RunResult]:
    cache: dict[str, RunResult] = {}

    def get(defect: str) -> RunResult:
        if defect not in cache:
            policy, props = CAUGHT_BY[defect]
            terminal = io.StringIO()  # `conform run` prints counterexamples on stderr
            with contextlib.redirect_stderr(terminal):
                cache[defect] = run_properties(servers[defect].url, (policy,), props, "--conform-examples", "300",
                                               "--conform-shrink-seconds", "1.5")
            PRINTED[defect] = terminal.getvalue()
        return cache[defect]
    return get  # type: ignore[return-value]


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_each_defective_variant_is_caught(defect, defect_runs):
    run = defect_runs(defect)
    policy, props = CAUGHT_BY[defect]
    by_prop = {c.extra.get("property"): c for c in run.checks}
    assert set(by_prop) == set(props)
    for pid in props:
        c = by_prop[pid]
        assert c.status == "failed", f"{defect}: property {pid} was {c.status}: {c.message[:500]}"
        assert c.mismatches and c.counterexample.startswith("# language: zh-CN"), c.message[:500]
        # tagged with the articles it found broken (issue 10: blame only what failed), a subset of its tags
        assert c.failed_articles and all(a.startswith(f"{policy}-") for a in c.failed_articles)
        if defect == "refuse_over_cap":  # an ordinary visit refused at the cap: its own articles only — not the
            # validity article, although shrinking puts the refused visit on the first day in force
            assert set(c.failed_articles) <= set(c.articles), (pid, c.failed_articles, c.articles)
        assert f"@{policy}" in c.counterexample and all(f"@{a}" in c.counterexample for a in c.failed_articles)
        assert c.evidence, "the failing example's requests and responses are kept as evidence"
        assert c.counterexample in PRINTED[defect], "the counterexample is printed on the terminal"


# --------------------------------------------------------------------------- (c) the counterexample round trip


def run_feature(path: Path, adapter: str | None) -> subprocess.CompletedProcess:
    """pytest-bdd over one pasted counterexample (instead of features/), in a fresh process."""
    cmd = [sys.executable, "-m", "pytest", str(CONFORMANCE / "test_features.py"), "-q", "-p", "no:randomly",
           "-p", "no:cacheprovider", "-p", "no:conform", "--no-header", "-rN"]  # the harness plugin alone, no gate
    if adapter:
        cmd += ["--conform-adapter", adapter]
    env = {**os.environ, "CONFORM_FEATURES": str(path)}
    env.pop("CONFORM_EXTRA_FEATURES", None)
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def counts(out: str) -> dict[str, int]:
    return {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|error|errors)", out)}


@pytest.fixture(scope="module")
def pasted(defect_runs, tmp_path_factory) -> dict[str, Path]:
    """Each defect's printed counterexample, pasted as is into its own feature file."""
    base = tmp_path_factory.mktemp("counterexamples")
    out = {}
    for defect, (_, props) in CAUGHT_BY.items():
        c = next(c for c in defect_runs(defect).checks if c.extra.get("property") == props[0])
        assert c.counterexample, f"{defect}: no counterexample printed"
        path = base / f"反例_{defect}.feature"
        path.write_text(c.counterexample + "\n", encoding="utf-8")
        out[defect] = path
    return out


def bind(feature: Path) -> Path:
    """A throwaway test module binding one feature file with pytest-bdd (what features/ gets)."""
    module = feature.parent.parent / f"bound_{feature.parent.name}" / f"test_ce_{feature.stem.split('_', 1)[1]}.py"
    module.parent.mkdir(exist_ok=True)
    module.write_text(f"from pytest_bdd import scenarios\n\nscenarios({str(feature)!r})\n", encoding="utf-8")
    return module


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_counterexample_fails_against_its_variant(defect, pasted, servers):
    run, _ = execute(adapter=servers[defect].url, paths=(bind(pasted[defect]),))
    scenarios = [c for c in run.checks if c.kind == "scenario"]
    assert scenarios, "the pasted counterexample has no scenario pytest-bdd could bind"
    assert all(not c.steps or c.steps[0].status != "error" for c in scenarios), "a step phrase is not in the library"
    if defect == "refuse_over_cap":  # the visit the rules pay up to the cap is refused: a failure on infcode
        assert any(c.status == "failed" and "infcode" in c.message for c in scenarios), \
            [(c.name, c.status, c.message[:200]) for c in scenarios]
    else:  # a figure differs from the reference's: the scenario fails field by field
        assert any(c.status == "failed" and c.mismatches for c in scenarios), \
            [(c.name, c.status, c.message[:200]) for c in scenarios]


def test_counterexamples_pass_against_the_reference(pasted):
    """All pasted counterexamples, bound the way features/ is (CONFORM_FEATURES), in a fresh process."""
    r = run_feature(next(iter(pasted.values())).parent, None)
    c = counts(r.stdout)
    assert r.returncode == 0, r.stdout[-3000:]
    scenarios = sum(p.read_text(encoding="utf-8").count("  场景: ") for p in pasted.values())
    assert c.get("passed") == scenarios and scenarios >= len(pasted), r.stdout[-2000:]


# --------------------------------------------------------------------------- every generated example is expressible


def generated_stories(per_policy: int = 6) -> list[tuple[str, Story]]:
    """Person-years of every policy with reversals, monthly credits and account uses mixed in."""
    out: list[tuple[str, Story]] = []

    @settings(max_examples=per_policy, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        for policy in POLICY_IDS:
            py = data.draw(person_years(policy, min_settlements=1, max_settlements=6))
            story = Story.of_year(py, "生成的例子")
            rules = py.setting.rules
            first = py.settlements[0]
            if "account_credit" in rules.policy.covers:
                story.ops.insert(0, Credit(data.draw(credit_requests(rules, py.person, f"{first.date:%Y-%m}"))))
            story.ops.append(Use(UseRequest("U1", data.draw(st.sampled_from(sorted(RELATIONS))),
                                            data.draw(st.sampled_from(sorted(PURPOSES))), Decimal("10.00"))))
            story.ops.append(Reverse(data.draw(st.sampled_from([s.id for s in py.settlements]))))
            out.append((policy, story))

    collect()
    return out


def test_generated_examples_render_as_scenarios_that_pass_against_the_reference(tmp_path):
    """Whatever the generators draw, the counterexample renderer writes it with existing phrases only,
    and the reference agrees with the figures it wrote — so any shrunk failure can become a scenario."""
    stories = generated_stories()
    folder = tmp_path / "features"
    folder.mkdir()
    for i, (policy, story) in enumerate(stories):
        text = render_feature([story], policy=policy, articles=load()["annual_cap"].clauses[policy],
                              title=f"生成的例子{i}")
        (folder / f"生成_{i:03d}.feature").write_text(text, encoding="utf-8")
    module = tmp_path / "bound" / "test_generated_scenarios.py"
    module.parent.mkdir()
    module.write_text(f"from pytest_bdd import scenarios\n\nscenarios({str(folder)!r})\n", encoding="utf-8")
    run, _ = execute(paths=(module,))
    scenarios = [c for c in run.checks if c.kind == "scenario"]
    assert len(scenarios) == len(stories) >= 5 * 6
    bad = [(c.name, c.status, c.message[:300]) for c in scenarios if c.status != "passed"]
    assert not bad
    assert all(c.policy and c.articles for c in scenarios)  # tagged: the article matrix counts them


# --------------------------------------------------------------------------- settings


def test_profile_choice():
    from conform.harness.properties.settings import choose_profile

    assert choose_profile(environ={}) == "conform"
    assert choose_profile(environ={"CI": "true"}) == "ci"
    assert choose_profile(True, environ={"CI": "true"}) == "thorough"
    assert choose_profile(environ={"CONFORM_PROFILE": "thorough", "CI": "1"}) == "thorough"
    with pytest.raises(pytest.UsageError, match="unknown profile"):
        choose_profile(environ={"CONFORM_PROFILE": "fast"})
    from hypothesis import settings as hs

    assert hs.get_profile("ci").derandomize and not hs.get_profile("conform").derandomize
    assert hs.get_profile("thorough").max_examples >= 1000 > hs.get_profile("conform").max_examples


def test_conform_run_passes_thorough_and_seed_to_the_properties(monkeypatch, tmp_path):
    from click.testing import CliRunner

    import conform.harness.run as run_module

    seen = {}

    def fake(adapter, config, policies, articles, tag, extra_args=(), *a, **kw):
        seen["args"] = tuple(extra_args)
        run = RunResult(adapter={"adapter": "reference"}, seed="7")
        return run_module.Execution(run, 0)

    monkeypatch.setattr(run_module, "execute_detailed", fake)
    result = CliRunner().invoke(run_module.run_command, ["--thorough", "--seed", "7", "--format", "json",
                                                         "--out", str(tmp_path / "out"), "--no-progress"])
    assert "--conform-thorough" in seen["args"], result.output
    i = seen["args"].index("--conform-seed")
    assert seen["args"][i + 1] == "7"


def test_thorough_flag_selects_the_thorough_profile_and_is_recorded():
    run = run_properties(None, ("beijing",), ("account_use",), "--conform-thorough", "--conform-examples", "3")
    assert run.examples["profile"] == "thorough" and run.examples["max_examples"] == 3
    assert [c.extra["examples"] for c in run.checks] == [3]


# --------------------------------------------------------------------------- batches (thorough, in process)


class InProcessTwin(ReferenceAdapter):
    """An in-process system (`in_process = True`, so thorough examples come in batches) with one bug:
    from a person's second settlement on, it reports 0.01 more 本次起付线 than it counted."""

    in_process = True
    name = "in-process twin"

    def prepare_person(self, subject):
        super().prepare_person(subject)
        self.seen = 0

    def settle(self, psn_no, settlement):
        out = dict(super().settle(psn_no, settlement))
        self.seen += 1
        if self.seen > 1 and settlement.inscp_scp_amt > 0:
            out["act_pay_dedc"] = fmt(Decimal(out["act_pay_dedc"]) + Decimal("0.01"))
        return out


def test_thorough_batches_in_process_and_shrink_to_one_minimal_year():
    """In thorough mode against an in-process system, an example carries several person-years; the
    failure still shrinks to one year of two visits of a few fen (the smallest the bug shows in)."""
    run, _ = execute(adapter="python:test_properties_meta:InProcessTwin", policies=("nanchang",),
                     tag="conform_property", paths=(PROPERTY_TESTS,),
                     extra_args=("--conform-thorough", "--conform-examples", "40", "--conform-seed", SEED, "-k", "test_deductible"))
    (c,) = run.checks
    assert c.status == "failed", c.message[:300]
    assert c.extra["items"] > c.extra["examples"]  # batches: more person-years than Hypothesis examples
    assert run.examples["items"] == c.extra["items"] and run.examples["total"] == c.extra["examples"]
    assert c.counterexample.count("场景:") == 1
    visits = re.findall(r'参保人于 "[0-9-]+" 在 "[^"]+" \S+结算医疗费用 ([0-9.]+) 元', c.counterexample)
    # two visits, each of the smallest amounts (a visit's seed 1 draws 0.02; 0 is no visit at all)
    assert len(visits) == 2 and all(Decimal(v) <= Decimal("0.02") for v in visits), c.counterexample
