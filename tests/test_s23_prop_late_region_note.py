"""A region starting after 1 January is drawn from its first whole natural year, and the run says so (probe s23 N6):
the certification record did not say that the rest of the year the region starts in was never drawn."""
from __future__ import annotations

import pytest

from conform.harness import generators
from conform.harness.properties.runner import region_gaps_note

JL_LATE = """\
name: s23-jl-late
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


@pytest.fixture(autouse=True)
def _fresh():
    generators.choose_regions(())
    yield
    generators.choose_regions(())


def test_the_note_names_the_region_its_start_and_the_years_drawn(tmp_path):
    f = tmp_path / "s23-jl-late.yaml"
    f.write_text(JL_LATE, encoding="utf-8")
    generators.choose_regions((str(f),))
    note = region_gaps_note("jilin")
    assert "s23-jl-late（valid_from 2023-03-01 → 2024–2028）" in note, note
    assert "首个完整自然年度" in note and "not drawn" in note


def test_the_example_regions_from_1_january_need_no_such_note():
    assert "首个完整自然年度" not in region_gaps_note("jilin")
    assert "首个完整自然年度" not in region_gaps_note("panzhihua")
