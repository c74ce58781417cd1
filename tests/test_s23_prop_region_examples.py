"""`conform run --region` with a real city's file (probeM s23, findings 1 and 2).

1. An explicit example must fit the region it is bound to: 攀枝花's `deductible` example registered the example
   region's fictitious disease M00500, so a city file without it was 不合格 against the reference itself.
2. A region whose figures start after 2023-01-01 (吉林 六（一）, 浙江 三（二）let the region set valid_from) is drawn
   inside its validity, not skipped as a "gap" with no verdict.

The city files are test cities in the shape of a real one (figures inside the documents' limits)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

import conform.harness.generators as generators
import conform.harness.run as run_module
from conform.harness.properties import differential, settlement
from conform.harness.properties.runner import region_gaps_note

PZ_CITY = """\
name: s23-pz-city
label: 攀枝花市（测试用）
policy: panzhihua
values:
  account.retiree.average_pension: "2900.00"
  ordinary.ratio.remote_unfiled: "0.30"
  chronic.M03900.deductible: "0"
  chronic.M03900.ratio: "0.50"
  chronic.M03900.cap: "300"
"""

JL_CITY = """\
name: s23-jl-city
label: 长春市（测试用）
policy: jilin
values:
  valid_from: "2023-03-01"
  ordinary.deductible: "200"
  ordinary.cap: "1800"
  inpatient.retiree_ratio_bonus: "0.05"
  chronic.ratio: "0.70"
  chronic.cap: "3500"
  inpatient.deductible.primary: "200"
  inpatient.deductible.secondary: "400"
  inpatient.deductible.tertiary: "900"
  inpatient.ratio.primary: "0.90"
  inpatient.ratio.secondary: "0.87"
  inpatient.ratio.tertiary: "0.85"
  inpatient.cap: "200000"
  day_surgery.waive_deductible: "false"
"""

ZJ_CITY = """\
name: s23-zj-city
label: 杭州市（测试用）
policy: zhejiang
values:
  valid_from: "2023-06-01"
  ordinary.deductible.in_service: "800"
  ordinary.cap: "5000"
  ordinary.ratio.primary: "0.75"
  ordinary.ratio.unrated: "0.75"
  ordinary.ratio.secondary: "0.65"
  ordinary.ratio.tertiary: "0.60"
  ordinary.ratio.pharmacy: "0.60"
  ordinary.retiree_ratio_bonus: "0.05"
  account.in_service.rate_of_base: "0.02"
  account.retiree.monthly: "160"
"""


@pytest.fixture(autouse=True)
def _fresh():
    """No region chosen before or after: later tests of the worker draw the example regions again."""
    generators.choose_regions(())
    yield
    generators.choose_regions(())


def _file(tmp_path, text: str, name: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _run(tmp_path, region: str, *more: str):
    out = tmp_path / "out"
    result = CliRunner().invoke(run_module.run_command, ["--region", region, "--seed", "1", "--examples", "3",
                                                         *more, "--format", "json", "--no-progress", "--out", str(out)])
    data = json.loads((out / "results.json").read_text(encoding="utf-8")) if (out / "results.json").exists() else None
    return result, data


def _properties(data):
    return {c["extra"]["property"]: c for c in data["checks"] if c.get("kind") == "property"}


# ----------------------------------------------------------------------------------------- 1. explicit examples


def test_the_deductible_example_keeps_m00500_under_the_example_region():
    # the example region gives chronic.M00500.*: the example found by a thorough run is tried as it was
    (ex,) = settlement._deductible_examples("panzhihua")
    assert ex.setting.region == "panzhihua-example"
    assert [d.dise_codg for d in ex.person.diseases] == ["M00500"]
    assert ex.settlements[0].dise_codg == "M00500"


def test_the_deductible_example_takes_a_city_region_s_own_two_disease_code(tmp_path):
    generators.choose_regions((_file(tmp_path, PZ_CITY, "s23-pz-city"),))
    examples = settlement._deductible_examples("panzhihua")
    assert examples, "the city names a 两病 code of its own: the example is built on it"
    for ex in examples:
        codes = {c for c, _ in generators.settleable_diseases(ex.setting)}
        assert {d.dise_codg for d in ex.person.diseases} <= codes
        assert {s.dise_codg for s in ex.settlements if s.dise_codg} <= codes
        assert "M00500" not in {d.dise_codg for d in ex.person.diseases}


def test_a_city_region_without_m00500_is_certified_against_the_reference(tmp_path):
    result, data = _run(tmp_path, _file(tmp_path, PZ_CITY, "s23-pz-city"), "--policy", "panzhihua")
    props = _properties(data)
    assert props["deductible"]["status"] == "passed", props["deductible"]["message"][:500]
    assert result.exit_code == 0, result.output[-1500:]


# ----------------------------------------------------------------------------------------- 2. a later valid_from


@pytest.mark.parametrize("text, name, start", [(JL_CITY, "s23-jl-city", dt.date(2023, 3, 1)),
                                               (ZJ_CITY, "s23-zj-city", dt.date(2023, 6, 1))])
def test_a_region_starting_later_is_drawn_not_left_out(tmp_path, text, name, start):
    generators.choose_regions((_file(tmp_path, text, name),))
    policy = "jilin" if name.startswith("s23-jl") else "zhejiang"
    (setting,) = generators.settings_for(policy)
    assert generators.setting_gaps(setting) == ()
    assert generators.skipped_settings(policy) == ()
    assert generators.first_year(setting) == 2024  # its first whole natural year
    assert dt.date(generators.first_year(setting), 1, 1) >= start


def test_draws_and_explicit_examples_fall_inside_a_later_region_s_validity(tmp_path):
    generators.choose_regions((_file(tmp_path, JL_CITY, "s23-jl-city"),))
    start = dt.date(2023, 3, 1)
    examples = (settlement._annual_cap_examples("jilin") + differential._differential_examples("jilin")
                + [r.year for r in settlement._reversal_examples("jilin")] + settlement._fen_edge_examples("jilin"))
    assert examples
    for py in examples:
        assert all(s.date >= start for s in py.settlements), py

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(generators.person_years("jilin"), generators.two_years("jilin"), generators.fen_edge_years("jilin"))
    def drawn(py, two, edge):
        for s in (*py.settlements, *two.previous, *two.current, *edge.settlements):
            assert s.date >= start, s

    drawn()


def test_a_region_starting_later_gets_a_verdict(tmp_path):
    result, data = _run(tmp_path, _file(tmp_path, ZJ_CITY, "s23-zj-city"))
    props = _properties(data)
    assert props["deductible"]["status"] == "passed", props["deductible"]["message"][:500]
    assert result.exit_code == 0, result.output[-1500:]


def test_the_run_says_a_later_region_is_drawn_from_its_first_whole_year(tmp_path):
    # probe s23 N6: the record did not say the rest of the year the region starts in was never drawn
    generators.choose_regions((_file(tmp_path, JL_CITY, "s23-jl-city"),))
    note = region_gaps_note("jilin")
    assert "s23-jl-city（valid_from 2023-03-01 → 2024–2028）" in note, note
    assert "首个完整自然年度" in note and "not drawn" in note


def test_the_example_regions_from_1_january_need_no_such_note():
    assert "首个完整自然年度" not in region_gaps_note("jilin")
    assert "首个完整自然年度" not in region_gaps_note("panzhihua")
