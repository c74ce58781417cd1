"""A retiree figure less favourable than the in-service one beside it is marked in `conform list regions` (a
warning, not a refusal: no text binds it, but the reform tilts benefits toward retirees and a swapped pair of
figures reads the same to every check — rregion2 Q2)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conform.harness.listing import list_command
from conform.reference.policy import REGION_DIR, check_region


def _jilin(tmp_path, extra: str):
    text = (REGION_DIR / "jilin-example.yaml").read_text(encoding="utf-8")
    text = text.replace("name: jilin-example", "name: s11-city").replace("example: true", "example: false")
    text = text.replace('  ordinary.cap: "1500"', '  ordinary.cap: "1500"\n' + extra)
    path = tmp_path / "s11-city.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("extra, key", [
    ('  ordinary.deductible.retiree: "300"', "ordinary.deductible.retiree"),   # 300 > in-service 200
    ('  ordinary.cap.retiree: "1000"', "ordinary.cap.retiree"),                 # 1000 < in-service 1500
])
def test_a_retiree_figure_worse_than_the_in_service_one_is_marked_not_refused(tmp_path, extra, key):
    check = check_region(str(_jilin(tmp_path, extra)))
    assert check.ok, check.errors
    (w,) = check.warnings
    assert key in w and "适当向退休人员倾斜" in w and "s11-city" in w


@pytest.mark.parametrize("extra", ['  ordinary.deductible.retiree: "100"', '  ordinary.cap.retiree: "1500"'])
def test_a_retiree_figure_as_good_or_better_is_not_marked(tmp_path, extra):
    assert check_region(str(_jilin(tmp_path, extra))).warnings == ()


def test_no_example_region_is_marked():
    for path in sorted(REGION_DIR.glob("*.yaml")):
        assert check_region(str(path)).warnings == (), path


def test_list_regions_shows_the_mark_and_still_exits_0(tmp_path, monkeypatch):
    folder = tmp_path / "fixtures" / "regions"
    folder.mkdir(parents=True)
    _jilin(folder, '  ordinary.deductible.retiree: "300"')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(list_command, ["regions", "--policy", "jilin"])
    assert result.exit_code == 0, result.output
    assert "! 注意 note:" in result.output and "ordinary.deductible.retiree = 300" in result.output
