"""A region file saved in GBK (a Windows editor's default) among the regions: listed as broken, naming the
file and the byte, and skipped by the draws — not a traceback in `conform list` nor a harness error in every
policy's property checks (rregion D4, s9)."""
from __future__ import annotations

import shutil

import conform.harness.generators as generators
import conform.harness.resources as resources
from conform.harness import listing
from conform.reference.policy import REGION_DIR

GBK_REGION = "policy: zhejiang\nname: huzhou-gbk\nexample: true\nlabel: 湖州（示例）\n".encode("gbk")


def _clear():
    """Every cached look-up of the generators: nothing read under the patched folder outlives the test."""
    for f in vars(generators).values():
        if callable(getattr(f, "cache_clear", None)):
            f.cache_clear()


def _regions_with_gbk(tmp_path):
    folder = tmp_path / "regions"
    shutil.copytree(REGION_DIR, folder)
    (folder / "huzhou-gbk.yaml").write_bytes(GBK_REGION)
    return folder


def test_conform_list_names_the_gbk_file_and_asks_for_utf8(tmp_path, monkeypatch):
    folder = _regions_with_gbk(tmp_path)
    monkeypatch.setattr(resources, "regions_dir", lambda: folder)
    rows = listing.regions()
    broken = [r for r in rows if r.get("error")]
    assert [r["file"] for r in broken] == ["huzhou-gbk.yaml"]
    # "policy: zhejiang\nname: huzhou-gbk\nexample: true\nlabel: " is 55 bytes on 4 lines; 湖 starts at byte 55, line 4
    assert "invalid UTF-8 at byte 55 (line 4)" in broken[0]["error"] and "UTF-8" in broken[0]["error"]
    assert any(r["name"] == "zhejiang-example" for r in rows)  # the others are still listed
    listing.render("regions", rows)  # and rendered, not a traceback


def test_the_draws_skip_the_gbk_file_and_keep_the_other_regions(tmp_path, monkeypatch):
    folder = _regions_with_gbk(tmp_path)
    monkeypatch.setattr(generators, "REGION_DIR", folder)
    _clear()
    try:
        found = generators.example_regions()
    finally:
        _clear()
    assert "huzhou-gbk" not in found["zhejiang"] and "zhejiang-example" in found["zhejiang"]
