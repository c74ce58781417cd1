"""The suite is collected whatever the vendor's ini says of their own tests (python_files, python_functions:
probe s29 U2 F8, where the plugin blamed the -m/-k selection), and its scenario examples carry readable ids, so
`-k 退休人员` selects every example of a retiree (F6: pytest escaped them, and -k silently missed them) — without
changing the vendor's own tests' collection or ids."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

VENDOR_TEST = '''import pytest


def check_vendor_own():
    assert True


@pytest.mark.parametrize("who", ["退休人员"])
def test_vendor_param(who):
    assert who
'''


def _collect(folder: Path, *args: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:randomly",
                           "-p", "no:cacheprovider", "-p", "no:xdist", "--conform-adapter", "reference", *args],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return [ln for ln in done.stdout.splitlines() if "::" in ln]


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("plain")
    return _collect(folder, "-m", "panzhihua-7")


@pytest.mark.parametrize("ini", ["python_files = check_*.py", "python_functions = check_*",
                                 "python_files = check_*.py\npython_functions = check_*\npython_classes = Check"])
def test_the_vendors_collection_ini_leaves_the_suite_collected(tmp_path, plain, ini):
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{ini}\n", encoding="utf-8")
    (tmp_path / "check_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    items = _collect(tmp_path, "-m", "panzhihua-7 or not panzhihua")
    suite = [ln for ln in items if ln.startswith(("test_features.py::", "test_properties.py::"))]
    assert set(plain) <= set(suite) and len(plain) > 50, (len(plain), len(suite))
    # the vendor's tests keep their ini's rules
    vendor = sorted(ln for ln in items if "vendor" in ln)
    files = ("check_vendor.py",) if "python_files" in ini else ("test_vendor.py",)
    names = ("check_vendor_own",) if "python_functions" in ini else ("test_vendor_param",)
    assert {ln.split("::")[0] for ln in vendor} == set(files), vendor
    assert {ln.split("::")[1].split("[")[0] for ln in vendor} == set(names), vendor


def test_examples_have_readable_ids_and_k_selects_them_the_vendors_ids_unchanged(tmp_path, plain):
    (tmp_path / "test_vendor.py").write_text(VENDOR_TEST, encoding="utf-8")
    everything = _collect(tmp_path, "-m", "panzhihua-7 or not panzhihua")
    suite = [ln for ln in everything if ln.startswith("test_features.py::")]
    assert not any("\\u" in ln for ln in suite), [ln for ln in suite if "\\u" in ln][:3]
    retirees = [ln for ln in suite if "退休人员" in ln]
    in_examples = [ln for ln in retirees if "退休人员" in ln.partition("[")[2]]
    assert len(in_examples) > 5, retirees
    chosen = _collect(tmp_path, "-k", "退休人员")
    assert set(retirees) <= set(chosen), sorted(set(retirees) - set(chosen))[:3]
    # the vendor's own parametrized test: pytest's ids as always (escaped)
    assert "test_vendor.py::test_vendor_param[\\u9000\\u4f11\\u4eba\\u5458]" in everything, \
        [ln for ln in everything if "vendor" in ln]


def test_the_report_keeps_conform_runs_escaped_nodeid_for_an_example(tmp_path):
    # one check, keyed as `conform run` keys it (a --baseline from either front end matches the other)
    scenario = "conform/harness/conformance/test_features.py::test_接近达到和超过年度最高支付限额_1"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "--conform-adapter", "reference", "--conform-report", "rep",
                           f"{scenario}[在职职工-200.00-0.00-60.00-60.00]"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    data = json.loads((tmp_path / "rep" / "results.json").read_text(encoding="utf-8"))
    assert [c["nodeid"] for c in data["checks"]] == [
        scenario + "[" + "在职职工".encode("unicode_escape").decode() + "-200.00-0.00-60.00-60.00]"]
