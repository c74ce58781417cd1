"""The pytest11 entry point: a vendor runs the suite inside their own pytest (`pytest --conform-adapter URL`),
selects by policy and article marks, and gets the same results and reports as `conform run`."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sample_server import SampleServer

from conform.harness.run import execute_detailed

VENDOR_TEST = "def test_vendor_own():\n    assert 1 + 1 == 2\n"


@pytest.fixture()
def vendor(tmp_path):
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    return tmp_path


def pytest_in(folder, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def test_without_the_option_the_plugin_stays_out_of_the_way(vendor):
    done = pytest_in(vendor)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 passed" in done.stdout and "test_features" not in done.stdout


def test_the_suite_runs_inside_a_vendors_pytest_with_the_same_results_and_reports(vendor):
    selection = "panzhihua-7 and not conform_property"
    with SampleServer(defect="deductible_per_visit") as server:
        # -k keeps it quick: the scenarios of several visits in a year, where the twin's deductible shows
        done = pytest_in(vendor, "--conform-adapter", server.url, "-m", selection, "-k", "多次就诊",
                         "--conform-report", "rep", "-rN", "--tb=no")
        ex = execute_detailed(adapter=server.url, articles=("panzhihua-7",), tag="not conform_property",
                              extra_args=("-k", "多次就诊"))
    assert done.returncode == 1, done.stdout[-3000:]  # the twin fails 攀枝花 第七条
    data = json.loads((vendor / "rep" / "results.json").read_text(encoding="utf-8"))
    assert {p.name for p in (vendor / "rep").iterdir()} >= {"report.html", "report.xlsx", "junit.xml", "results.json"}
    assert data["verdict"] == "不合格" and data["gate"]["exit_code"] == 1
    assert all("panzhihua-7" in c["articles"] for c in data["checks"])  # the mark selected by article
    by_plugin = {(c["name"], c["status"]) for c in data["checks"]}
    by_conform = {(c.name, c.status) for c in ex.run.checks}
    assert by_plugin == by_conform and len(by_plugin) >= 3 and any(s == "failed" for _, s in by_plugin)
    assert data["causes"][0]["field"] == "act_pay_dedc"
    assert "conform: 不合格" in done.stdout
