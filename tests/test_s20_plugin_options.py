"""In a vendor's own pytest session (`pytest --conform-adapter URL`) every option conform adds is conform-prefixed:
a vendor conftest defining --thorough or --adapter ended the session with argparse's "option dest 'thorough'
already used" (exit 1, which reads as non-conformance found). And the report's seed line names the option of the
command that ran: --conform-seed in pytest, `conform run --seed` in conform run (probe s20 L)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from sample_server import SampleServer

from conform.harness.report.certify import record, seed_words

VENDOR_CONFTEST = '''
def pytest_addoption(parser):
    parser.addoption("--thorough", action="store_true", default=False, help="the vendor's own slow tests")
    parser.addoption("--adapter", default="vendor-default", help="the vendor's own adapter")
'''
VENDOR_TEST = '''
def test_vendor_own(pytestconfig):
    assert pytestconfig.getoption("--thorough") is True
    assert pytestconfig.getoption("--adapter") == "acme"
'''


def test_a_vendor_conftest_defining_thorough_and_adapter_keeps_its_options_and_conform_judges(tmp_path):
    (tmp_path / "conftest.py").write_text(VENDOR_CONFTEST, encoding="utf-8")
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    with SampleServer(defect="deductible_per_visit") as server:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                               "--conform-adapter", server.url, "--thorough", "--adapter", "acme",
                               "--conform-seed", "5", "-k", "多次就诊 or test_vendor_own", "--conform-report", "rep",
                               "-rA", "--tb=short"],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    assert "already used" not in out, out[-3000:]
    assert done.returncode == 1, out[-3000:]  # the twin fails 攀枝花 第七条: non-conformance, as docs/ci.md says
    assert "PASSED test_vendor.py::test_vendor_own" in done.stdout, out[-3000:]  # the vendor's options are theirs
    data = json.loads((tmp_path / "rep" / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "不合格" and any(c["status"] == "failed" for c in data["checks"])
    # the vendor's --thorough is theirs: conform's properties keep their quick profile
    assert data["run"]["examples"]["profile"] != "thorough"
    words = data["certification"]["seed_words"]
    assert "--conform-seed 5" in words and "conform run" not in words, words


def test_conform_prefixed_options_in_the_vendors_help(tmp_path):
    (tmp_path / "conftest.py").write_text(VENDOR_CONFTEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--conform-adapter", "reference",
                           "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    conform_part = done.stdout.split("conformance harness", 1)[1].split("\n\n", 1)[0]
    options = re.findall(r"^  (--[\w-]+)", conform_part, re.MULTILINE)
    assert "--conform-thorough" in options and "--conform-adapter" in options and "--conform-seed" in options
    assert all(o.startswith("--conform-") for o in options), options


def test_the_seed_line_names_the_option_of_the_command_that_ran():
    assert "pytest --conform-seed 7" in seed_words("7", "pytest")
    assert "conform run --seed 7" in seed_words("7", "run") and "--conform-seed" not in seed_words("7", "run")
    # a record written before the front end was recorded came from conform run
    assert "conform run --seed 7" in record({"seed": "7"}, {"profile": "conform"})["seed_words"]
    assert "--conform-seed 7" in record({"seed": "7"}, {"profile": "conform", "front_end": "pytest"})["seed_words"]
