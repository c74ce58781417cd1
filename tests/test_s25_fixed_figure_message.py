"""A figure the document fixes is no region value; the refusal says where an adjustment under the text's own 动态调整
(南昌 四（二）1, 吉林 二（七）) goes — a new policy document — instead of reading as if the text forbade adjusting it
(probe s25 Z4)."""
from __future__ import annotations

import pytest

from conform.reference.engine import rules_for
from conform.reference.policy import PolicyError


@pytest.mark.parametrize("policy, key, value", [
    ("nanchang", "ordinary.deductible", "500"),
    ("jilin", "ordinary.ratio.in_service.primary", "0.65"),
])
def test_a_fixed_figure_set_by_a_region_is_refused_naming_where_an_adjustment_goes(policy, key, value):
    with pytest.raises(PolicyError) as e:
        rules_for(policy, f"{policy}-example", {key: value})
    said = str(e.value)
    assert f"{key} is fixed by" in said and "cannot be set by a region" in said
    assert "is a new document, for the tool to be extended with, never a region value" in said
