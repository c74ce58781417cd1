"""A retiree of an earlier year is tried before a mid-year retirement (probe s23 N1): a system paying every retiree the
in-service ratio failed first on the mid-year example, whose ratio rests on A-MIDYEAR-RETIREMENT, so a plain defect
read as a disagreement with a reading."""
from __future__ import annotations

import pytest

from conform.harness.properties.settlement import _fen_edge_examples


@pytest.mark.parametrize("policy", ["panzhihua", "nanchang", "jilin", "beijing", "zhejiang"])
def test_a_plain_retiree_year_comes_before_a_midyear_retirement(policy):
    examples = _fen_edge_examples(policy)
    plain = [i for i, py in enumerate(examples) if py.person.retire_date is None
             and py.person.role_on(py.settlements[0].date) == "retiree"]
    midyear = [i for i, py in enumerate(examples) if py.person.retire_date is not None
               and py.person.retire_date.year == py.settlements[0].date.year]
    assert plain and midyear, [(py.person.psn_type, py.person.retire_date) for py in examples]
    assert plain[0] < midyear[0]
