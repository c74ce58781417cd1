"""`pytest --conform-config conform.toml` whose [adapter] names the system runs the suite against it, as
`conform run --config` does; a --conform-report (or a config naming no system) without --conform-adapter is a usage
error, exit 2 and one line, never a green session that checked nothing (probe s29 U2 F3). No option: inert."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sample_server import SampleServer

VENDOR_TEST = "def test_vendor_own():\n    assert True\n"


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "-p", "no:xdist", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def test_a_config_naming_the_system_runs_the_suite_against_it(tmp_path):
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    with SampleServer(defect="deductible_per_visit") as server:
        (tmp_path / "conform.toml").write_text(f'[adapter]\nurl = "{server.url}"\n', encoding="utf-8")
        done = _pytest(tmp_path, "--conform-config", "conform.toml", "--conform-report", "rep",
                       "-k", "多次就诊 or test_vendor_own")
    out = done.stdout[-3000:] + done.stderr[-2000:]
    # the defective twin the file names fails 攀枝花 第七条: the suite ran against it, not only the vendor's test
    assert done.returncode == 1, out
    data = json.loads((tmp_path / "rep" / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "不合格" and data["run"]["planned"] >= 1, out
    assert any(c["status"] == "failed" for c in data["checks"]), out
    assert data["run"]["adapter"].get("adapter") != "reference", data["run"]["adapter"]


def test_a_report_folder_without_a_system_is_a_usage_error(tmp_path):
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    done = _pytest(tmp_path, "--conform-report", "rep")
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("conform: error:")]
    assert len(errors) == 1 and "--conform-report" in errors[0] and "--conform-adapter" in errors[0], done.stderr
    assert "passed" not in done.stdout and not (tmp_path / "rep").exists()


def test_a_config_naming_no_system_is_a_usage_error_not_the_reference(tmp_path):
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    (tmp_path / "conform.toml").write_text("[system]\nname = \"ACME\"\n[adapter]\ntimeout = 5\n", encoding="utf-8")
    done = _pytest(tmp_path, "--conform-config", "conform.toml", "--conform-report", "rep")
    assert done.returncode == 2, done.stdout + done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("conform: error:")]
    assert len(errors) == 1 and "conform.toml" in errors[0] and "url" in errors[0], done.stderr
    assert "passed" not in done.stdout and not (tmp_path / "rep").exists()


def test_without_any_of_its_options_the_plugin_stays_inert(tmp_path):
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    done = _pytest(tmp_path)
    assert done.returncode == 0 and "1 passed" in done.stdout and "conform" not in done.stdout + done.stderr, \
        done.stdout + done.stderr
