"""`pytest --conform-adapter` refuses, before any check runs, what `conform run` refuses (exit 2, one line, nothing
in the report folder touched), and treats its report folder as `conform run --out` does (probe s22 B F1-F4):

- an empty --conform-adapter / --conform-config / --conform-report (an unset variable) is a usage error, not "option
  not given": `--conform-adapter "$SUT_URL"` ran only the vendor's own tests and went green;
- under pytest-xdist (-n 2) the session is refused, naming -p no:xdist / -n 0 and `conform run`'s concurrency (it
  ended "no conformance check matches the selection", with workers sharing test persons on one system);
- a --conform-report that is a symbolic link, a regular file, or holds a folder where a report file goes is refused;
- once the session has its conformance checks an earlier run's reports go (no 合格 results.json beside a new
  不合格 report.html), and a report that cannot be written after the checks gives exit 4 with the others written;
- a bad --conform-config or adapter is named before anything runs (it was found at the first check, after the
  report folder had been cleared).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from sample_server import SampleServer

MARKER_TEST = '''
from pathlib import Path

def test_vendor_marker():
    Path("vendor-test-ran").write_text("yes")
'''
# a vendor test that, while the session runs (after the report folder was checked), stands a folder where
# report.xlsx goes, or a file where the report folder goes
BLOCKER_TEST = '''
import os, shutil

def test_vendor_blocker():
    if os.environ["BLOCK"] == "xlsx":
        if os.path.isfile("rep/report.xlsx"):
            os.remove("rep/report.xlsx")
        os.makedirs("rep/report.xlsx")
    else:
        shutil.rmtree("rep")
        open("rep", "w").close()
'''
EARLIER = {"report.html": "<html>合格</html>", "report.xlsx": "xlsx", "junit.xml": "<testsuites/>",
           "results.json": '{"verdict": "合格", "gate": {"exit_code": 0, "reason": "earlier"}}',
           "extra.csv": "a file the earlier manifest lists"}


def _pytest(folder, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}  # a vendor's own pytest
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "--tb=no", *args], cwd=folder, env={**base, **(env or {})}, capture_output=True,
                          text=True, timeout=600)


def _vendor(tmp_path, test: str = MARKER_TEST):
    (tmp_path / "test_vendor.py").write_text(test, encoding="utf-8")
    return tmp_path


def _earlier_run(out) -> None:
    out.mkdir()
    for name, text in EARLIER.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / "manifest.sha256").write_text("".join(f"{'0' * 64}  {n}\n" for n in EARLIER), encoding="utf-8")
    (out / "my-notes.txt").write_text("the vendor's own file", encoding="utf-8")


def _refused(done: subprocess.CompletedProcess, *words: str) -> str:
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, said[-3000:]
    errors = [ln for ln in said.splitlines() if ln.startswith("conform: error: ")]
    assert len(errors) == 1 and all(w in errors[0] for w in words), said[-3000:]
    assert "Traceback" not in said and "passed" not in said, said[-3000:]
    return errors[0]


def test_an_empty_option_is_a_usage_error_not_an_option_left_out(tmp_path):
    vendor = _vendor(tmp_path)
    _refused(_pytest(vendor, "--conform-adapter", "", "--conform-report", "rep"), "--conform-adapter: empty value")
    _refused(_pytest(vendor, "--conform-adapter=  "), "--conform-adapter: empty value")
    _refused(_pytest(vendor, "--conform-adapter", "reference", "--conform-report", ""), "--conform-report: empty value")
    _refused(_pytest(vendor, "--conform-adapter", "reference", "--conform-config", ""), "--conform-config: empty value")
    assert not (vendor / "vendor-test-ran").exists() and not (vendor / "rep").exists()


def test_pytest_xdist_is_refused_before_any_check_runs(tmp_path):
    vendor = _vendor(tmp_path)
    line = _refused(_pytest(vendor, "-n", "2", "--conform-adapter", "reference", "-m", "panzhihua-7",
                            "--conform-report", "rep"), "pytest-xdist", "-n 2")
    assert "-p no:xdist" in line and "-n 0" in line and "conform run" in line and "concurrency" in line, line
    assert not (vendor / "vendor-test-ran").exists() and not (vendor / "rep").exists()


def test_a_report_folder_that_cannot_take_the_reports_is_refused_before_any_check(tmp_path):
    vendor = _vendor(tmp_path)
    archived = vendor / "archived"
    _earlier_run(archived)
    os.symlink("archived", vendor / "latest")
    _refused(_pytest(vendor, "--conform-adapter", "reference", "-m", "panzhihua-7", "--conform-report", "latest"),
             "--conform-report latest is a symbolic link")
    assert {p.name for p in archived.iterdir()} == {*EARLIER, "manifest.sha256", "my-notes.txt"}  # untouched
    (vendor / "afile").write_text("not a folder", encoding="utf-8")
    _refused(_pytest(vendor, "--conform-adapter", "reference", "-m", "panzhihua-7", "--conform-report", "afile"),
             "cannot create the report folder afile")
    (archived / "report.xlsx").unlink()
    (archived / "report.xlsx").mkdir()
    _refused(_pytest(vendor, "--conform-adapter", "reference", "-m", "panzhihua-7", "--conform-report", "archived"),
             "report.xlsx is a folder there", "--conform-report")
    assert json.loads((archived / "results.json").read_text(encoding="utf-8"))["verdict"] == "合格"  # untouched
    assert not (vendor / "vendor-test-ran").exists()


def test_a_bad_config_or_adapter_is_named_before_anything_and_leaves_the_report_folder(tmp_path):
    vendor = _vendor(tmp_path)
    rep = vendor / "rep"
    _earlier_run(rep)
    # no -m: the vendor's own test comes first in the session, and ran before the first check found the config bad
    _refused(_pytest(vendor, "--conform-adapter", "reference", "--conform-config", "missing.toml",
                     "--conform-report", "rep"), "missing.toml: no such config file")
    _refused(_pytest(vendor, "--conform-adapter", "python:no_such_module:Adapter", "--conform-report", "rep"),
             "cannot import module 'no_such_module'")
    # as `conform run`: a usage error leaves what an earlier run wrote, and runs nothing
    assert {p.name for p in rep.iterdir()} == {*EARLIER, "manifest.sha256", "my-notes.txt"}
    assert not (vendor / "vendor-test-ran").exists()


def test_the_earlier_reports_go_and_a_report_not_written_after_the_checks_is_exit_4(tmp_path):
    vendor = _vendor(tmp_path, BLOCKER_TEST)
    rep = vendor / "rep"
    _earlier_run(rep)
    select = ("-k", "多次就诊 or vendor_blocker")  # the twin fails the scenarios of several visits in a year
    with SampleServer(defect="deductible_per_visit") as server:
        xlsx = _pytest(vendor, "--conform-adapter", server.url, *select, "--conform-report", "rep", env={"BLOCK": "xlsx"})
        assert xlsx.returncode == 4, (xlsx.stdout + xlsx.stderr)[-3000:]
        data = json.loads((rep / "results.json").read_text(encoding="utf-8"))  # this run's, not the earlier 合格
        assert data["verdict"] == "不合格" and data["gate"]["exit_code"] == 4, data["gate"]
        assert "xlsx" in data["reports_not_written"] and "the checks' own gate: 1" in data["gate"]["reason"]
        assert {p.name for p in rep.iterdir()} == {"report.html", "report.xlsx", "junit.xml", "results.json",
                                                   "manifest.sha256", "my-notes.txt"}  # extra.csv: the earlier run's
        assert (rep / "report.xlsx").is_dir()
        (rep / "report.xlsx").rmdir()
        folder = _pytest(vendor, "--conform-adapter", server.url, *select, "--conform-report", "rep",
                         env={"BLOCK": "folder"})
    said = folder.stdout + folder.stderr
    assert folder.returncode == 4 and "cannot write the reports into rep" in said, said[-3000:]
    assert "Traceback" not in said
