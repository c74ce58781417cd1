"""README's `--region` example must be a name or path that resolves, and a path that does not resolve says how one does.

Probe s23 M4: README gave `--region fixtures/regions/my-city.yaml` while "Adding a region" saves the file as
conform/fixtures/regions/my-city.yaml; run from a clone's root that path is no file, and the error said only
"no such file". A path is relative to the working folder; a name (no .yaml) is looked up in conform/fixtures/regions/
and then ./fixtures/regions/ (policy._region_path, region_folders).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conform.reference.policy import REGION_DIR, PolicyError, load_region_file

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_region_examples_resolve_where_adding_a_region_saves_the_file():
    saved = re.search(r"# (conform/fixtures/regions/my-city\.yaml)", README)
    assert saved, "Adding a region names where the file is saved"
    given = re.findall(r"--region ([^\s`]+)", README)
    assert "fixtures/regions/my-city.yaml" not in given, given  # relative to a clone's root: no such file
    # every my-city example is the name or the path the file is saved at
    assert {g for g in given if "my-city" in g} <= {"my-city", saved.group(1)}, given
    assert "--region my-city" in README


def test_a_path_to_no_file_names_the_region_of_that_name_and_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = tmp_path / "fixtures" / "regions"
    local.mkdir(parents=True)
    text = (REGION_DIR / "jilin-example.yaml").read_text(encoding="utf-8")
    (local / "s23-city.yaml").write_text(text.replace("name: jilin-example", "name: s23-city"), encoding="utf-8")
    assert load_region_file("s23-city").name == "s23-city"  # the name resolves
    with pytest.raises(PolicyError) as e:
        load_region_file("regions/s23-city.yaml")  # a path relative to the wrong folder
    said = str(e.value)
    assert said.startswith("region 'regions/s23-city.yaml': no such file"), said
    assert f"relative to the working folder {tmp_path}" in said, said
    assert "the region 's23-city' is fixtures/regions/s23-city.yaml: give its name (s23-city) or that path" in said


def test_a_relative_path_to_nothing_says_where_a_name_is_looked_up(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PolicyError) as e:
        load_region_file("fixtures/regions/s23-nowhere.yaml")
    assert "a name, without .yaml, is looked up in" in str(e.value) and "fixtures/regions/" in str(e.value)
