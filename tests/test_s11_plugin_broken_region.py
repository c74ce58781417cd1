"""The vendors' pytest plugin refuses an unusable example region as `conform run` does (exit 2, a configuration
error: since s28 the plugin's too, where it was pytest's usage error 4, which docs/ci.md maps to a harness failure),
instead of skipping it with a note and judging the rest 合格 on figures nobody checked."""
from __future__ import annotations

import shutil

import pytest

from conform.harness import generators
from conform.reference.policy import REGION_DIR


def test_the_plugin_refuses_an_invalid_example_region_naming_file_and_key(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "regions"
    shutil.copytree(REGION_DIR, folder)
    example = (folder / "zhejiang-example.yaml").read_text(encoding="utf-8")
    assert 'primary: "0.70"' in example
    (folder / "zhejiang-example.yaml").write_text(example.replace('primary: "0.70"', 'primary: "75"'), encoding="utf-8")
    monkeypatch.setattr(generators, "REGION_DIR", folder)
    generators.choose_regions(())
    generators.clear_caches()
    try:
        code = pytest.main(["--conform-adapter", "reference", "--co", "-q", "-p", "no:randomly",
                            "-p", "no:cacheprovider", "--rootdir", str(tmp_path)])
        err = capsys.readouterr().err
        assert code == 2, err[-2000:]   # conform's configuration error, as `conform run` (docs/ci.md)
        assert str(folder / "zhejiang-example.yaml") in err and "ordinary.ratio.primary" in err
    finally:
        generators.clear_caches()
