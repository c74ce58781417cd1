"""docs/parameters.md is generated from the policies' `required:` entries and kept current."""
from __future__ import annotations

from conform.harness.parameters import PAGE, render
from conform.reference.policy import all_policies


def test_parameter_catalogue_is_current():
    assert PAGE.read_text(encoding="utf-8") == render(), "run `uv run python -m conform.harness.parameters`"


def test_catalogue_lists_every_region_parameter_with_its_article():
    text = render()
    for policy in all_policies():
        for r in policy.requirements:
            row = next((line for line in text.splitlines() if line.startswith(f"| `{r.pattern}` |")
                        and r.cite in line), None)
            assert row is not None, (policy.id, r.pattern)
