"""docs/ci.md's table of results.json's top-level fields is the file a run writes: every key has a row,
every row names a key (a reviewer found `totals` described inside the `counts` row, while it is a key
of its own)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from report_samples import sample_run

from conform.harness.report import write_reports

ROOT = Path(__file__).resolve().parent.parent


def documented_fields() -> list[str]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text[text.index("## The shape of results.json"):]
    table = section[section.index("| field | what |"):section.index("\n\n", section.index("| field | what |"))]
    names = []
    for row in table.splitlines()[2:]:
        first = row.split("|")[1]
        names += re.findall(r"`([a-z_]+)(?:\[\])?`", first)
    return names


def test_every_top_level_key_of_results_json_has_its_own_row_and_no_row_names_another(tmp_path):
    write_reports(sample_run(hostile=False), tmp_path, ("json",), gate={"exit_code": 1, "reason": "x"})
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    documented = documented_fields()
    assert "totals" in data and "totals" in documented
    assert set(documented) == set(data) - {"schema", "schema_version"}, (documented, sorted(data))
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    counts_row = next(r for r in text.splitlines() if r.startswith("| `counts` |"))
    assert "totals" not in counts_row  # totals is not inside counts
    assert set(data["totals"]) == {"checks", "scenarios", "properties", "properties_failed"}
    assert all(f"`{k}`" in text for k in data["totals"])
