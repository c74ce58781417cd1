"""A bad `--conform-region` in the vendors' pytest is a configuration error, exit 2, as `conform run --region` says it
(probe s28 N F9). An invalid figure, broken YAML or an unknown region name gave pytest's usage error, exit 4, which
docs/ci.md's case statement reads as "conform itself failed (harness error)"; only a region lacking a required value
gave 2. Now each is refused before the session starts (pytest_plugin._refused): one line, exit 2, no report, no test
of the vendor's run."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import conform.harness.generators as generators
import conform.harness.run as run_module
from conform.harness import pytest_plugin
from conform.reference.policy import REGION_DIR

VENDOR_TEST = '''
from pathlib import Path
def test_vendor_marker():
    Path("vendor-test-ran").write_text("yes")
'''
ZHEJIANG = (REGION_DIR / "zhejiang-example.yaml").read_text(encoding="utf-8")
PRIMARY = re.search(r'(?m)^  ordinary\.ratio\.primary: "[^"]*"', ZHEJIANG)[0]  # the example's 基层 ratio


def city(tmp_path, name: str, old: str, new: str) -> str:
    assert old in ZHEJIANG
    text = ZHEJIANG.replace("name: zhejiang-example", f"name: {name}").replace("example: true", "example: false")
    (tmp_path / f"{name}.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return f"{name}.yaml"


CASES = {
    "an invalid figure": ("s28-ratio90", PRIMARY, '  ordinary.ratio.primary: "90"',
                          "ratio must lie between 0 and 1"),
    "broken YAML": ("s28-tab", "  ordinary.ratio.primary: ", "\tordinary.ratio.primary: ", "malformed YAML"),
    "an unknown region name": (None, None, None, "no such file, nor a region of that name"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_conform_region_is_exit_2_with_conform_runs_line_and_no_report(tmp_path, case):
    name, old, new, words = CASES[case]
    ref = city(tmp_path, name, old, new) if name else "s28-no-such-region"
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}  # a vendor's own pytest
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "--tb=no", "--conform-adapter", "reference", "--conform-region", ref, "--conform-report", "rep"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, said[-3000:]  # was 4, pytest's usage error
    assert "Traceback" not in said and "ERROR: " not in said, said[-3000:]
    errors = [ln for ln in said.splitlines() if ln.startswith("conform: error: --conform-region: ")]
    assert len(errors) == 1 and words in errors[0], said[-3000:]
    assert not (tmp_path / "vendor-test-ran").exists() and not (tmp_path / "rep").exists()
    # the same words `conform run --region` gives, after its own option's name
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        ran = CliRunner().invoke(run_module.run_command, ["--region", ref, "--no-progress"])
    finally:
        os.chdir(cwd)
        generators.choose_regions(())
    assert ran.exit_code == 2, ran.output
    assert f"conform: error: --region: {errors[0].removeprefix('conform: error: --conform-region: ')}" in ran.output


def test_an_unusable_example_region_in_the_regions_folder_is_refused_as_conform_run_refuses_it(tmp_path, monkeypatch):
    """The other bad region configuration `conform run` refuses with exit 2 (broken_regions) was pytest's usage
    error in the plugin too (settings.pytest_configure)."""
    folder = tmp_path / "regions"
    folder.mkdir()
    (folder / "s28-broken.yaml").write_text(ZHEJIANG.replace("name: zhejiang-example", "name: s28-broken").replace(
        PRIMARY, '  ordinary.ratio.primary: "90"'), encoding="utf-8")
    monkeypatch.setattr(generators, "REGION_DIR", folder)
    generators.clear_caches()
    options = {"--conform-adapter": "reference"}
    config = SimpleNamespace(getoption=lambda name, default=None: options.get(name, default),
                             option=SimpleNamespace(numprocesses=None, dist="no", conform_config=None))
    try:
        said = pytest_plugin._refused(config)
    finally:
        monkeypatch.undo()
        generators.clear_caches()
    assert said is not None and said.startswith("region configuration not usable"), said
    assert "s28-broken.yaml" in said and "ratio must lie between 0 and 1" in said and "\n" not in said, said
