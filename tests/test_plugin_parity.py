"""`pytest --conform-adapter` judges as `conform run` does: the same verdict, exit code and record.

Every run here is a real pytest process in a vendor's folder against a real sample system on a loopback
port, as a vendor would run it; the expected codes are `conform run`'s (docs/ci.md).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sample_server import SampleServer, shared

from conform.harness.run import EXIT_FAIL, EXIT_HARNESS, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE

VENDOR_TEST = "def test_vendor_own():\n    assert 1 + 1 == 2\n"


@pytest.fixture()
def vendor(tmp_path):
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    return tmp_path


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "--tb=no", *args]


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(_command(*args), cwd=folder, env=_env(), capture_output=True, text=True, timeout=600)


def results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def requests_seen(server: SampleServer, client: httpx.Client) -> int:
    return client.get(server.url, timeout=5).json()["requests"]


def interrupt_after(server: SampleServer, proc: subprocess.Popen, requests: int) -> int:
    """SIGINT to the run's process group (as a terminal's Ctrl-C) once the system has seen `requests` more."""
    with httpx.Client() as client:
        target = requests_seen(server, client) + requests
        deadline = time.monotonic() + 90
        while requests_seen(server, client) < target:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never reached the system"
            time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode


def test_an_interrupted_session_is_incomplete_with_no_verdict_never_a_certificate(vendor):
    with SampleServer(latency_ms=30) as server:
        proc = subprocess.Popen(_command("--conform-adapter", server.url, "-m", "panzhihua",
                                         "--conform-report", "rep"),
                                cwd=vendor, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        code = interrupt_after(server, proc, 25)  # several checks finished: each makes 2–4 requests
    output = proc.stdout.read().decode("utf-8", "replace")
    assert code == EXIT_FAIL, output[-3000:]  # `conform run`: interrupted after some checks ran
    data = results(vendor / "rep")
    assert data["run"]["incomplete"] is True
    assert 1 <= data["run"]["completed"] < data["run"]["planned"], data["run"]
    assert data["verdict"] == "无法判定" and data["gate"]["exit_code"] == EXIT_FAIL
    assert any("未完成" in n for n in data["run"]["notes"])
    assert '<property name="incomplete" value="true"' in (vendor / "rep" / "junit.xml").read_text(encoding="utf-8")
    assert "conform: 合格" not in output


def test_interrupted_before_any_check_finished_exits_130(vendor):
    with SampleServer(latency_ms=20_000) as server:  # the first request hangs: no check can finish
        proc = subprocess.Popen(_command("--conform-adapter", server.url, "-m", "panzhihua-7",
                                         "--conform-report", "rep"),
                                cwd=vendor, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        code = interrupt_after(server, proc, 1)
    output = proc.stdout.read().decode("utf-8", "replace")
    assert code == EXIT_INTERRUPTED, output[-3000:]
    data = results(vendor / "rep")
    assert data["verdict"] == "无法判定" and data["run"]["completed"] == 0 and data["run"]["incomplete"] is True


def test_a_session_that_reached_nothing_gives_no_verdict_and_exits_2(vendor):
    # 吉林 6.2 without the properties: only the harness's own region checks, none asks the system anything
    done = pytest_in(vendor, "--conform-adapter", shared().url, "-m", "jilin-6.2 and not conform_property",
                     "--conform-report", "rep")
    assert done.returncode == EXIT_USAGE, done.stdout[-3000:]
    data = results(vendor / "rep")
    assert data["verdict"] == "无法判定" and data["gate"]["exit_code"] == EXIT_USAGE
    assert data["checks"] and all(c["exercised"] is False for c in data["checks"])


def test_the_record_names_the_system_the_selection_and_only_the_suites_checks(vendor):
    (vendor / "conform.toml").write_text('[system]\nname = "某市医保结算系统"\nversion = "3.2.1"\n', encoding="utf-8")
    done = pytest_in(vendor, "--conform-adapter", shared().url, "--conform-config", "conform.toml",
                     "-m", "panzhihua-7 or not conform_property", "-k", "多次就诊 or vendor_own",
                     "--conform-report", "rep")
    assert done.returncode == EXIT_OK, done.stdout[-3000:]
    data = results(vendor / "rep")
    assert f"{len(data['checks']) + 1} passed" in done.stdout  # the vendor's own test ran beside them
    cert = data["certification"]
    assert (cert["system_name"], cert["system_version"]) == ("某市医保结算系统", "3.2.1")
    assert data["run"]["run_id"] and data["run"]["selection"] == {
        "policies": [], "articles": [], "tag": "panzhihua-7 or not conform_property", "keyword": "多次就诊 or vendor_own"}
    # the vendor's own test ran in the session but is no conformance check: planned counts the suite's
    assert data["run"]["planned"] == data["run"]["completed"] == len(data["checks"]) >= 3
    assert data["run"]["incomplete"] is False and data["verdict"] == "合格"


def test_one_article_is_recorded_as_conform_run_article_records_it(vendor):
    done = pytest_in(vendor, "--conform-adapter", shared().url, "-m", "panzhihua-7", "-k", "多次就诊",
                     "--conform-report", "rep")
    assert done.returncode == EXIT_OK, done.stdout[-3000:]
    data = results(vendor / "rep")
    assert data["run"]["selection"]["articles"] == ["panzhihua-7"]
    assert [d["id"] for d in data["documents"] if d["checks"]] == ["panzhihua"]
    assert data["run"]["documents"] == ["panzhihua"]  # not all five documents


def test_an_unreachable_system_exits_3_as_the_report_says(vendor):
    with SampleServer() as server:
        url = server.url
    done = pytest_in(vendor, "--conform-adapter", url, "-m", "panzhihua-4", "--conform-report", "rep")
    assert done.returncode == EXIT_UNREACHABLE, done.stdout[-3000:]
    assert results(vendor / "rep")["gate"]["exit_code"] == EXIT_UNREACHABLE


def test_a_bad_config_is_a_usage_error_exit_2_not_pytests_4(vendor):
    done = pytest_in(vendor, "--conform-adapter", shared().url, "--conform-config", "missing.toml",
                     "-m", "panzhihua-7", "--conform-report", "rep")
    assert done.returncode == EXIT_USAGE, done.stdout[-3000:] + done.stderr[-2000:]
    assert "missing.toml" in done.stdout + done.stderr
    assert not (vendor / "rep" / "results.json").exists()  # as `conform run`: named, no report


BROKEN_STEP = """
def pytest_configure(config):
    from conform.harness.steps.world import ScenarioError, World

    def broken(self, sid, expected):
        {body}

    World.expect_fields = broken
"""


def test_a_harness_error_exits_4_not_as_the_systems_failure(vendor):
    # a bug in the harness's own comparison step, not in the system
    (vendor / "conftest.py").write_text(BROKEN_STEP.format(body="return 1 / 0"), encoding="utf-8")
    done = pytest_in(vendor, "--conform-adapter", shared().url, "-m", "panzhihua-7", "-k", "多次就诊",
                     "--conform-report", "rep")
    assert done.returncode == EXIT_HARNESS, done.stdout[-3000:]
    data = results(vendor / "rep")
    assert data["gate"]["exit_code"] == EXIT_HARNESS and data["counts"]["harness_error"] >= 1
    assert data["verdict"] == "无法判定"


def test_a_feature_error_gives_no_verdict_and_exits_2_not_as_the_systems_failure(vendor):
    (vendor / "conftest.py").write_text(BROKEN_STEP.format(body='raise ScenarioError("no such settlement")'),
                                        encoding="utf-8")
    done = pytest_in(vendor, "--conform-adapter", shared().url, "-m", "panzhihua-7", "-k", "多次就诊",
                     "--conform-report", "rep")
    assert done.returncode == EXIT_USAGE, done.stdout[-3000:]
    data = results(vendor / "rep")
    assert data["counts"]["feature_error"] >= 1 and data["counts"]["failed"] == 0
    assert data["verdict"] == "无法判定" and data["gate"]["exit_code"] == EXIT_USAGE


def test_checks_carry_conform_runs_nodeids_so_a_baseline_matches_either_way(vendor):
    from conform.harness.run import execute_detailed

    server = shared()
    done = pytest_in(vendor, "--conform-adapter", server.url, "-m", "panzhihua-7", "-k", "多次就诊",
                     "--conform-report", "rep")
    ex = execute_detailed(adapter=server.url, articles=("panzhihua-7",), extra_args=("-k", "多次就诊"))
    assert done.returncode == EXIT_OK, done.stdout[-3000:]
    by_plugin = [c["nodeid"] for c in results(vendor / "rep")["checks"]]
    assert by_plugin == [c.nodeid for c in ex.run.checks] and len(by_plugin) >= 3
    assert all(n.startswith("conform/harness/conformance/test_features.py::") for n in by_plugin)


def test_a_report_writer_failing_writes_the_others_and_exits_4(vendor):
    """As `conform run`: a bug in one report writer is the harness's failure (exit 4); the vendor's CI still
    gets junit.xml and results.json, which names the missing workbook. The fault is planted by the vendor
    folder's conftest.py, which runs in the same pytest process."""
    (vendor / "conftest.py").write_text(
        "import conform.harness.report.xlsx as xlsx\n\n\ndef _refuses(data, path):\n"
        "    raise ValueError('All strings must be XML compatible')\n\n\nxlsx.write = _refuses\n", encoding="utf-8")
    done = pytest_in(vendor, "--conform-adapter", shared().url, "-m", "beijing-3", "--conform-report", "rep")
    assert done.returncode == EXIT_HARNESS, done.stdout[-3000:]
    assert {p.name for p in (vendor / "rep").iterdir()} == {"report.html", "junit.xml", "results.json",
                                                              "manifest.sha256"}
    data = results(vendor / "rep")
    assert data["reports_not_written"] == {"xlsx": "ValueError: All strings must be XML compatible"}
    assert data["gate"]["exit_code"] == EXIT_HARNESS and "report(s) not written: report.xlsx" in done.stdout
    assert "退出码 exit code 4" in done.stdout
