"""A parameter written at a region file's top level (`valid_from:` beside `policy:`) is refused saying it belongs
under `values:` (probe s28 N F4: the message listed the allowed keys only, and README listed fewer than the code
allows)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.reference.policy import REGION_KEYS, PolicyError, load_region_file

README = Path(__file__).resolve().parent.parent / "README.md"


def _region(tmp_path: Path, top: str) -> Path:
    f = tmp_path / "r1.yaml"
    f.write_text(f'policy: zhejiang\nname: r1\n{top}\nvalues:\n  ordinary.deductible: "500"\n', encoding="utf-8")
    return f


def test_a_parameter_at_the_top_level_is_told_to_go_under_values(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as e:
        load_region_file(str(_region(tmp_path, 'valid_from: "2023-07-01"')))
    assert "unknown key(s) valid_from" in str(e.value)
    assert "`valid_from` is a value: write it under `values:`" in str(e.value)


def test_a_key_that_is_no_parameter_gets_no_such_hint(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as e:
        load_region_file(str(_region(tmp_path, 'exmaple: "yes"')))
    assert "unknown key(s) exmaple" in str(e.value) and "under `values:`" not in str(e.value)


def test_readme_lists_every_allowed_top_level_key() -> None:
    text = README.read_text(encoding="utf-8")
    line = next(p for p in text.split("\n\n") if "unknown top-level" in p)
    assert all(f"`{k}`" in line for k in REGION_KEYS), line
