"""`conform run --region fixtures/regions/my-city.yaml` (README's own form) and `--region my-city` for a file in the
working folder's ./fixtures/regions/ work from the user's folder: the run moves into the suite's folder to run pytest,
and looked both up there (rvendor s11 D8: "no such file" for the documented command)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import conform.harness.generators as generators
import conform.harness.run as run_module
from conform.reference.policy import REGION_DIR, working_folder, working_folder_kept


@pytest.fixture(autouse=True)
def _fresh():
    generators.choose_regions(())
    generators.clear_caches()
    yield
    generators.choose_regions(())
    generators.clear_caches()


def _city(folder):
    text = (REGION_DIR / "zhejiang-example.yaml").read_text(encoding="utf-8")
    text = text.replace("name: zhejiang-example", "name: s11-rel-city").replace("example: true", "example: false")
    (folder / "fixtures" / "regions").mkdir(parents=True)
    (folder / "fixtures" / "regions" / "s11-rel-city.yaml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("ref", ["fixtures/regions/s11-rel-city.yaml", "s11-rel-city"])
def test_a_relative_region_or_a_working_folder_name_is_found(tmp_path, monkeypatch, ref):
    _city(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(run_module.run_command, [
        "--region", ref, "--tag", "conform_property", "--examples", "2", "--format", "json", "--no-progress",
        "--out", "out"])
    assert result.exit_code == 0, result.output[-2000:]
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    props = [c for c in data["checks"] if c.get("kind") == "property" and c["status"] == "passed"]
    assert props and all(c["extra"].get("regions") == ["s11-rel-city"] for c in props if c["extra"].get("regions"))
    assert [r["name"] for r in data["certification"]["regions"]] == ["s11-rel-city"]


def test_the_working_folder_is_kept_only_while_asked(tmp_path):
    before = working_folder()
    with working_folder_kept(tmp_path):
        assert working_folder() == tmp_path.resolve()
    assert working_folder() == before
