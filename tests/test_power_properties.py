"""The properties catch the issue-10 twins whatever the seed, and blame only the articles they found broken.

Each twin (conform/fixtures/sample_system/defects.py) runs as its own HTTP server; only the
property that must catch it runs, for 南昌, under the session's default profile
(no example count given), with two different seeds. Explicit examples make the catch
certain; the shaped strategies (conform/harness/generators.fen_edge_years, reversals_across)
catch them without those too (measured by hand when they were written).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sample_server import SampleServer, start_all

from conform.harness import generators
from conform.harness.run import CONFORMANCE, execute
from conform.reference import policy

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


# ---------------------------------------------------------------------------- a region README's way


def _readme_region() -> str:
    """README's "Adding a region" file as shown, less its "…" line: a region lacking most of 吉林's parameters."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("# conform/fixtures/regions/my-city.yaml\n", 1)[1].split("```", 1)[0]
    return "".join(line for line in block.splitlines(keepends=True) if line.strip() != "…")


def _clear_caches() -> None:
    for f in vars(generators).values():
        if hasattr(f, "cache_clear"):
            f.cache_clear()
    policy._bind_cached.cache_clear()


@pytest.fixture
def readme_region(tmp_path, monkeypatch):
    """conform/fixtures/regions/ with README's my-city.yaml added (example: true), for this test only."""
    for p in policy.REGION_DIR.glob("*.yaml"):
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "my-city.yaml").write_text(_readme_region(), encoding="utf-8")
    monkeypatch.setattr(policy, "REGION_DIR", tmp_path)
    monkeypatch.setattr(generators, "REGION_DIR", tmp_path)
    _clear_caches()
    yield tmp_path
    monkeypatch.undo()
    _clear_caches()


def test_a_region_lacking_parameters_is_left_out_of_the_draws(readme_region):
    assert "my-city" in generators.example_regions()["jilin"]
    # (the example region is also drawn without its pharmacy ratio, as inline values: region None)
    assert {s.region for s in generators.settings_for("jilin") if s.region} == {"jilin-example"}
    skipped = generators.skipped_settings("jilin")  # my-city, also as drawn with a low inpatient cap
    assert {setting.region for setting, _ in skipped} == {"my-city"}
    gaps = skipped[0][1]
    # what README's file leaves out that a draw may need; its own three values are not gaps
    assert {"inpatient.deductible.primary", "inpatient.retiree_ratio_bonus", "chronic.cap"} <= set(gaps)
    assert not {"ordinary.deductible", "ordinary.cap", "chronic.ratio", "valid_from"} & set(gaps)


def test_properties_stay_green_with_readme_region_and_say_what_they_skipped(readme_region):
    # the properties that refused draws under my-city (inpatient.deductible.*, the retiree tilt)
    run, code = execute(policies=("jilin",), tag="conform_property", paths=(PROPERTY_TESTS,),
                        extra_args=("--conform-seed", "11", "--conform-examples", "30",
                                    "-k", "lower_level_never_less or retiree_not_less or year_independent"))
    assert len(run.checks) == 3 and code == 0, [(c.status, c.message[:300]) for c in run.checks]
    assert all(c.status == "passed" for c in run.checks)
    note, = [n for n in run.notes if "my-city" in n]
    assert "inpatient.deductible.primary" in note and "不是被测系统的问题" in note
    assert all("my-city" in c.message for c in run.checks)  # on each property's row of the report too


def test_properties_are_not_applicable_when_no_region_is_complete(readme_region):
    (readme_region / "jilin-example.yaml").unlink()
    _clear_caches()
    run, code = execute(policies=("jilin",), tag="conform_property", paths=(PROPERTY_TESTS,),
                        extra_args=("--conform-seed", "11", "--conform-examples", "5", "-k", "retiree_not_less"))
    c, = run.checks
    assert c.status == "not_applicable" and "my-city" in c.message, (c.status, c.message[:300])
