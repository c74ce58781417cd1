"""Binds every property (conform/harness/properties/) to the conformance suite, once per policy it covers.

`conform run` runs them against the chosen adapter, `uv run pytest` against the reference.
Each test carries the marks conform_property, the policy and one per article it checks, so
`conform run --policy/--article` selects them and the article matrix counts them.
"""
import pytest

from conform.harness.properties import load
from conform.harness.properties import runner as _runner
from conform.harness.properties.runner import marks_for

PROPERTIES = load()


def _bind(prop):
    @pytest.mark.parametrize("policy", [pytest.param(p, marks=marks_for(prop, p), id=p) for p in prop.policies])
    def test(adapter, policy, request):
        _runner.run_property(prop, policy, adapter, request)

    test.__doc__ = prop.doc or prop.title
    test.__name__ = f"test_{prop.id}"
    return test


for _id, _prop in PROPERTIES.items():
    globals()[f"test_{_id}"] = _bind(_prop)
