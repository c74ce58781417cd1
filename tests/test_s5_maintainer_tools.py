"""Command-line edges of two tools that are not `conform` itself.

Closing review (s5): `python -m conform.fixtures.sample_system --print-config` without `--profile platform`
silently started an http server that ran forever; `python -m conform.harness.parameters` from an installed
wheel crashed writing site-packages/docs/parameters.md, and took --help for "rewrite the page".
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conform.harness import parameters

ROOT = Path(__file__).resolve().parent.parent


def _python(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_print_config_without_the_platform_profile_is_refused_not_a_server():
    proc = _python("-m", "conform.fixtures.sample_system", "--print-config", "--port", "0", timeout=30)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "--print-config needs --profile platform" in proc.stderr
    assert "listening" not in proc.stdout + proc.stderr


def test_print_config_with_the_platform_profile_still_prints_its_config():
    proc = _python("-m", "conform.fixtures.sample_system", "--profile", "platform", "--print-config", timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert 'profile = "platform"' in proc.stdout


def _installed(tmp_path: Path) -> Path:
    """The package as a wheel installs it: conform/ in a site-packages folder, no docs/ or pyproject beside it."""
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "conform", site / "conform", ignore=shutil.ignore_patterns("__pycache__"))
    return site


def test_parameters_outside_a_clone_refuses_and_writes_nothing(tmp_path):
    site = _installed(tmp_path)
    proc = _python("-m", "conform.harness.parameters", cwd=site, env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "not in a clone" in proc.stderr, proc.stderr
    assert not (site / "docs").exists()
    # --check cannot compare a page that is not there: the same refusal, not "out of date"
    proc = _python("-m", "conform.harness.parameters", "--check", cwd=site, env={"PYTHONPATH": str(site)})
    assert proc.returncode == 2 and "not in a clone" in proc.stderr, proc.stderr


def test_parameters_refuses_a_docs_folder_that_is_not_a_clones(tmp_path, monkeypatch, capsys):
    (tmp_path / "docs").mkdir()  # another package's docs/ in site-packages is no repository
    monkeypatch.setattr(parameters, "ROOT", tmp_path)
    assert parameters.main([]) == 2
    assert not (tmp_path / "docs" / "parameters.md").exists()
    assert "not in a clone" in capsys.readouterr().err


def test_parameters_help_says_what_it_does_and_writes_nothing(tmp_path, monkeypatch):
    page = ROOT / "docs" / "parameters.md"
    before = page.stat().st_mtime_ns
    proc = _python("-m", "conform.harness.parameters", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "docs/parameters.md" in proc.stdout and "clone" in proc.stdout and "--check" in proc.stdout
    assert "wrote" not in proc.stdout and page.stat().st_mtime_ns == before
    # an unknown option is a usage error, not a rewrite
    proc = _python("-m", "conform.harness.parameters", "--chek")
    assert proc.returncode == 2 and "wrote" not in proc.stdout and page.stat().st_mtime_ns == before


def test_parameters_in_the_clone_checks_the_page():
    assert parameters.main(["--check"]) == 0
