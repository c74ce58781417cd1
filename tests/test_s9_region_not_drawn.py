"""A region file left out of the draws (an invalid figure: ratio "75" for 75%) is not named in the
certification record as a region the run used — a 合格 must not read as certifying figures no example was
drawn under (rregion D1, s9)."""
from __future__ import annotations

import shutil

import conform.harness.generators as generators
from conform.harness.report.certify import regions_used
from conform.reference.policy import REGION_DIR

BAD = "s9-huzhou-typo"


def _clear():
    """Every cached look-up of the generators (regions, candidate settings, strategies): what this test reads
    must not be left for the next test in this process, nor an earlier test's left for this one."""
    for f in vars(generators).values():
        if callable(getattr(f, "cache_clear", None)):
            f.cache_clear()


def test_a_region_skipped_for_an_invalid_figure_is_not_listed_as_used(tmp_path, monkeypatch):
    folder = tmp_path / "fixtures" / "regions"
    shutil.copytree(REGION_DIR, folder)
    good = (REGION_DIR / "zhejiang-example.yaml").read_text(encoding="utf-8")
    assert 'ordinary.ratio.primary:' in good
    lines = [f'name: {BAD}' if line.startswith("name:") else
             ('  ordinary.ratio.primary: "75"' if line.strip().startswith("ordinary.ratio.primary:") else line)
             for line in good.splitlines()]
    (folder / f"{BAD}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # fixtures/regions/ of the working folder: where load_region_file finds it
    monkeypatch.setattr(generators, "REGION_DIR", folder)
    _clear()
    try:
        assert BAD in generators.example_regions()["zhejiang"]  # it is an example region of 浙江 …
        assert any(s.region == BAD for s, _ in generators.skipped_settings("zhejiang"))  # … left out of the draws
        # what the property runner records on each check it ran (properties/runner.py: extra["regions"])
        drawn = list(dict.fromkeys(s.region for s in generators.settings_for("zhejiang") if s.region))
        used = [r["name"] for r in regions_used([{"kind": "property", "status": "passed", "policy": "zhejiang",
                                                  "extra": {"regions": drawn}}])]
    finally:
        _clear()
    assert "zhejiang-example" in used and BAD not in used
